/**
 * `agmedic lab up --arm-op-seconds N --arm-request-log FILE --database-format P` (issue 14 item 6,
 * issue 10 item 8): ARM operations take N seconds, every ARM request lands in the log as a JSON line,
 * the managed instance reports the chosen update policy. Run in-process through labUpCommand.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openAzureLink } from '../../src/adapters/arm-link.js';
import { staticTokenCredential } from '../../src/adapters/azure-credential.js';
import { labUpCommand } from '../../src/cli/commands/lab-up.js';
import { memoryOutput } from '../../src/cli/output.js';
import { Secret } from '../../src/ports/secret.js';

const base = { scenario: 'healthy', basePort: '0', speed: '1', tls: 'off' as const, pairs: '1', controlPort: '0', json: true };

describe('lab up ARM options', () => {
  it('refuses a bad --arm-op-seconds before starting anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agmedic-labup-'));
    const err = await labUpCommand({ ...base, armOpSeconds: 'soon', stateFile: join(dir, 'lab.json') }, memoryOutput(), Promise.resolve()).then(() => undefined, (e: { code: string }) => e);
    expect(err?.code).toBe('USAGE');
  });

  it('multi-second operations, the request log and the update policy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agmedic-labup-'));
    const log = join(dir, 'arm.jsonl');
    let stop!: () => void;
    const until = new Promise<void>((r) => (stop = r));
    const out = memoryOutput();
    const running = labUpCommand({ ...base, armOpSeconds: '1', armRequestLog: log, databaseFormat: 'AlwaysUpToDate', stateFile: join(dir, 'lab.json'), targetsOut: join(dir, 't.yaml') }, out, until);
    try {
      for (let i = 0; i < 200 && out.stdout === ''; i++) await new Promise((r) => setTimeout(r, 25));
      const info = JSON.parse(out.stdout) as { names: { subscriptionId: string; resourceGroup: string; instance: string }; pairs: Array<{ arm: { url: string } }>; env: Record<string, string> };
      const caFile = join(dir, 'agmedic-lab-ca.pem');
      const azure = openAzureLink('mi', { subscriptionId: info.names.subscriptionId, resourceGroup: info.names.resourceGroup, instance: info.names.instance, endpoint: info.pairs[0]!.arm.url, caFile }, staticTokenCredential(Secret.fromEnv('AGMEDIC_LAB_ARM_TOKEN', info.env)), { maxRetries: 0, defaultPollMs: 50 });
      expect((await azure.call('getInstance', '')).body).toMatchObject({ properties: { databaseFormat: 'AlwaysUpToDate' } });
      const started = Date.now();
      await azure.call('update', 'SalesLink', { properties: { replicationMode: 'Sync' } });
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { method: string; status: number; apiVersion: string });
      expect(lines[0]).toMatchObject({ method: 'GET', status: 200, apiVersion: '2025-01-01' });
      expect(lines.filter((l) => l.method === 'PATCH')).toEqual([expect.objectContaining({ status: 202 })]);
      expect(lines.length).toBeGreaterThanOrEqual(3);
    } finally {
      stop();
      await running;
    }
  }, 30_000);
});
