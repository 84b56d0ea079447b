/**
 * Exactly once for Azure changes (issue 14 item 1): the agmedic process is SIGKILLed while ARM is
 * carrying out its PATCH (operations take seconds, as in Azure), then `agmedic resume`. The lab's ARM
 * request log (JSON lines, like the statement log) proves the change was accepted once, and — when
 * the journal holds the operation URL — sent once; the run ends fixed and the link is Sync.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startLab, type Lab } from '../../src/lab/index.js';
import { approvalArmName, approvalServerName } from '../../src/runtime/approval/authorize-unattended.js';
import { generateKeyPair } from '../../src/runtime/approval/keys.js';
import { signApproval } from '../../src/runtime/approval/sign-approval.js';
import { runbookSha256 } from '../../src/runbook/canonical.js';
import { loadRunbook } from '../../src/runbook/load-runbook.js';
import { buildCli, journalText, resumeCli, spawnCli, until } from './helpers/cli-process.js';

const RUNBOOK = join(import.meta.dirname, '..', 'fixtures', 'azure-change.yaml');
const SECRET = 'pw-leak-canary-arm-41';
/** Long enough to kill inside; short enough for npm test. */
const ARM_OP_SECONDS = 3;

let cli: string;
let lab: Lab | undefined;
beforeAll(async () => {
  cli = await buildCli();
}, 60_000);
afterEach(async () => {
  await lab?.close();
  lab = undefined;
});

interface ArmLine {
  method: string;
  path: string;
  status: number;
}

interface Setup {
  lab: Lab;
  home: string;
  env: Record<string, string | undefined>;
  armLog: string;
  args: string[];
}

async function setUp(): Promise<Setup> {
  const home = mkdtempSync(join(tmpdir(), 'agmedic-armrun-'));
  const armLog = join(home, 'arm.jsonl');
  lab = await startLab({ scenario: 'healthy', password: SECRET, armOpSeconds: ARM_OP_SECONDS, armRequestLogFile: armLog });
  const { targets } = lab.writeTargets(join(home, 'targets.yaml'));
  const keys = generateKeyPair();
  const trusted = join(home, 'trusted-keys');
  mkdirSync(trusted, { recursive: true });
  writeFileSync(join(trusted, 'tester.pub'), keys.publicKeyPem);
  const runbook = loadRunbook({ name: RUNBOOK, text: readFileSync(RUNBOOK, 'utf8') }).runbook!;
  const now = Date.now();
  const approval = signApproval(
    {
      runbook: { name: runbook.metadata.name, sha256: runbookSha256(runbook) },
      targets: [
        approvalServerName(lab.host, lab.sqlserver.port),
        approvalServerName(lab.host, lab.mi.port),
        approvalArmName({ subscriptionId: lab.arm.subscriptionId, resourceGroup: lab.arm.resourceGroup, instance: lab.arm.instance, endpoint: lab.arm.url }),
      ],
      parameters: { link: { equals: 'SalesLink' } },
      approver: 'approver@lab',
      issuedAt: new Date(now - 60_000),
      expiresAt: new Date(now + 3_600_000),
    },
    keys.privateKeyPem,
  );
  const approvalFile = join(home, 'run.approval.json');
  writeFileSync(approvalFile, JSON.stringify(approval));
  const env = { ...process.env, AGMEDIC_HOME: home, AGMEDIC_LAB_PASSWORD: SECRET, AGMEDIC_LAB_ARM_TOKEN: lab.armToken, AGMEDIC_OPERATOR: 'tester' };
  return { lab, home, env, armLog, args: ['run', RUNBOOK, '-p', 'link=SalesLink', '-t', targets, '--unattended', '--approval', approvalFile, '--trusted-keys', trusted] };
}

function armLines(file: string): ArmLine[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as ArmLine);
  } catch {
    return [];
  }
}

const patches = (file: string) => armLines(file).filter((r) => r.method === 'PATCH' && r.path.endsWith('/distributedAvailabilityGroups/SalesLink'));

function runIdOf(home: string): string {
  const runs = readdirSync(join(home, 'runs'));
  expect(runs).toHaveLength(1);
  return runs[0]!;
}


/** What ARM shows: the managed instance's configuration of the link's replicas. */
const replicationMode = (l: Lab): string => {
  const side = l.world.sideOf(l.arm.instance);
  return side && Object.values(side.modes).every((m) => m === 'SYNCHRONOUS_COMMIT') ? 'Sync' : 'Async';
};

describe('SIGKILL while ARM carries out a change, then resume', () => {
  // npm test runs one kill point per path (URL journalled / not yet); AGMEDIC_LONG=1 adds the rest.
  test.each([
    ['as soon as the journal holds the operation URL', 'journal'],
    ...(process.env.AGMEDIC_LONG ? [['a second into the operation, while polling', 'polling']] : []),
  ])('killed %s: resume polls the operation, verify settles it, the PATCH reached ARM once', async (_, when) => {
    const s = await setUp();
    const child = spawnCli(cli, s.args, s.env);
    await until('ARM to accept the PATCH', () => patches(s.armLog).some((r) => r.status === 202), 30_000);
    const runId = runIdOf(s.home);
    await until('the journal to record the accepted operation', () => journalText(s.home, runId).includes('"type":"accepted"'), 10_000);
    if (when === 'polling') await new Promise((r) => setTimeout(r, 1_000));
    child.proc.kill('SIGKILL');
    expect((await child.exit).signal).toBe('SIGKILL');
    expect(replicationMode(s.lab)).toBe('Async'); // the operation is still running in "Azure"

    const r = await resumeCli(cli, runId, s.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ outcome: 'fixed', runId });
    expect(patches(s.armLog)).toEqual([expect.objectContaining({ status: 202 })]);
    expect(replicationMode(s.lab)).toBe('Sync');
    const journal = journalText(s.home, runId);
    expect(journal).toContain('"resolution":"verified-done"');
    expect(readFileSync(s.armLog, 'utf8')).not.toContain(s.lab.armToken);
  }, 60_000);

  test('killed the instant ARM answered 202, before the URL reached the journal: resume reads the resource, verify settles it, nothing is sent again', async () => {
    const s = await setUp();
    const child = spawnCli(cli, s.args, s.env);
    await until('ARM to accept the PATCH', () => patches(s.armLog).some((r) => r.status === 202), 30_000);
    child.proc.kill('SIGKILL');
    await child.exit;
    const runId = runIdOf(s.home);
    // The kill can land before or after the journal write; take the URL out so this case is the one tested.
    const journalFile = join(s.home, 'runs', runId, 'journal.jsonl');
    writeFileSync(journalFile, readFileSync(journalFile, 'utf8').split('\n').filter((l) => !l.includes('"type":"accepted"')).join('\n'));
    expect(journalText(s.home, runId)).toContain('"type":"intent"');
    // Resume once ARM's operation is over, as this case claims: without its URL nothing tells an
    // operation still running from one never sent, so a resume *during* it re-sends when verify says
    // "not yet" (ARM answers 409 while it runs and the run waits; right after it ends, a second,
    // idempotent PATCH is accepted). That window is stated in the README.
    await new Promise((r) => setTimeout(r, ARM_OP_SECONDS * 1000 + 250));
    const r = await resumeCli(cli, runId, s.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ outcome: 'fixed', runId });
    // Without the URL, the resource is read and verify decides; were the change sent again while ARM
    // still ran the first, ARM would refuse it (409) and the run would wait — never a second 202.
    expect(patches(s.armLog).filter((p) => p.status === 202)).toHaveLength(1);
    expect(patches(s.armLog).filter((p) => p.status !== 202 && p.status !== 409)).toEqual([]);
    expect(replicationMode(s.lab)).toBe('Sync');
    const afterKill = armLines(s.armLog).slice(armLines(s.armLog).findIndex((l) => l.method === 'PATCH') + 1);
    expect(afterKill.some((l) => l.method === 'GET' && l.path.endsWith('/distributedAvailabilityGroups/SalesLink'))).toBe(true);
  }, 60_000);
});
