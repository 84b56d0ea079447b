/**
 * Issue 14 item 1: "a 409 'another operation in progress' waits for that operation instead of
 * failing". Another operation on the link is running in ARM (operations take seconds in the lab, as
 * in Azure) when a run's gated PATCH arrives: the run waits it out, verify then finds the change made,
 * and the run ends fixed without ARM ever accepting a second change.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { openAzureLink } from '../../src/adapters/arm-link.js';
import { staticTokenCredential } from '../../src/adapters/azure-credential.js';
import { runCommand } from '../../src/cli/commands/run.js';
import { memoryOutput } from '../../src/cli/output.js';
import { startLab, type Lab } from '../../src/lab/index.js';
import { Secret } from '../../src/ports/secret.js';
import { auditRecords, scriptedPrompter } from './helpers/run-lab.js';

const RUNBOOK = join(import.meta.dirname, '..', 'fixtures', 'azure-change.yaml');
let lab: Lab | undefined;
afterEach(async () => {
  await lab?.close();
  lab = undefined;
});

describe('an Azure change meets another operation in progress', () => {
  test('the run waits for it (409 AnotherOperationInProgress), verify settles the step, nothing is accepted twice', async () => {
    const home = mkdtempSync(join(tmpdir(), 'agmedic-armwait-'));
    const armLog = join(home, 'arm.jsonl');
    lab = await startLab({ scenario: 'healthy', password: 'pw-arm-wait', armOpSeconds: 3, armRequestLogFile: armLog });
    const { targets } = lab.writeTargets(join(home, 'targets.yaml'));
    const caFile = join(home, 'ca.pem');
    writeFileSync(caFile, lab.ca);
    const env = { ...process.env, AGMEDIC_HOME: home, AGMEDIC_LAB_PASSWORD: 'pw-arm-wait', AGMEDIC_LAB_ARM_TOKEN: lab.armToken, AGMEDIC_OPERATOR: 'tester' };
    // Someone else's PATCH (the portal, another tool) is already running on the link.
    const other = openAzureLink('other', { subscriptionId: lab.arm.subscriptionId, resourceGroup: lab.arm.resourceGroup, instance: lab.arm.instance, endpoint: lab.arm.url, caFile }, staticTokenCredential(Secret.fromEnv('T', { T: lab.armToken })), { maxRetries: 0, defaultPollMs: 100 });
    const theirs = other.call('update', 'SalesLink', { properties: { replicationMode: 'Sync' } });

    const out = memoryOutput();
    const code = await runCommand(RUNBOOK, { param: ['link=SalesLink'], targets, json: true }, out, { prompter: scriptedPrompter([{ answer: 'run' }]), env, interactive: false });
    await theirs;
    expect(code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ outcome: 'fixed' });
    const lines = readFileSync(armLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { method: string; status: number; errorCode?: string });
    const patches = lines.filter((l) => l.method === 'PATCH');
    expect(patches.filter((p) => p.status === 202)).toHaveLength(1); // theirs
    expect(patches.filter((p) => p.status === 409)).not.toHaveLength(0); // ours, refused while theirs ran
    expect(patches.every((p) => p.status === 202 || p.errorCode === 'AnotherOperationInProgress')).toBe(true);
    const waited = auditRecords(home).filter((r) => r.type === 'in-doubt' && r.step === 'sync');
    expect(waited.length).toBeGreaterThan(0);
  }, 30_000);
});
