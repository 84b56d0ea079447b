/**
 * Run status from the journal and the run's holder file: a run whose process is alive is running
 * (not "interrupted"); one whose process died, or that stopped interrupted, can be resumed;
 * a finished one cannot. `agmedic runs` lists what can be resumed; `audit show` shows the same status.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openAuditLog } from '../../src/audit/index.js';
import { cli, isolatedHome } from './helpers/approval-audit-env.js';

const home = isolatedHome();
const deadPid = (): number => spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout as unknown as number;

function fakeRun(runId: string, opts: { status?: 'finished' | 'interrupted'; holderPid?: number }): void {
  const dir = join(home(), 'runs', runId);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({
    runId, runbook: { name: 'link-failover', sha256: 'ab'.repeat(32), ref: 'link-failover', fileSha256: 'cd'.repeat(32) }, parameters: {}, rawParameters: {},
    auditFile: join(home(), 'audit.jsonl'), mode: 'guided', operator: 'alice', host: hostname(), startedAt: '2026-12-01T10:00:00.000Z',
  }));
  writeFileSync(join(dir, 'journal.jsonl'), opts.status ? `${JSON.stringify({ type: 'status', at: '2026-12-01T10:05:00.000Z', status: opts.status, outcome: opts.status === 'finished' ? 'fixed' : 'interrupted' })}\n` : '');
  if (opts.holderPid !== undefined) writeFileSync(join(dir, 'holder.json'), JSON.stringify({ pid: Number(opts.holderPid), host: hostname(), since: '2026-12-01T10:00:00.000Z' }));
}

describe('agmedic runs', () => {
  it('tells running from interrupted and crashed runs, and lists what can be resumed', async () => {
    fakeRun('20261201-100000-aaaa', { status: 'finished' });
    fakeRun('20261201-100000-bbbb', { status: 'interrupted' });
    fakeRun('20261201-100000-cccc', { holderPid: process.pid }); // this test process: alive
    fakeRun('20261201-100000-dddd', { holderPid: deadPid() }); // its process is gone: crashed
    const sink = await openAuditLog({ path: join(home(), 'audit.jsonl') });
    for (const id of ['aaaa', 'bbbb', 'cccc', 'dddd']) {
      await sink.append({ type: 'run-start', runId: `20261201-100000-${id}`, runbook: { name: 'link-failover', sha256: 'ab'.repeat(32) }, parameters: {}, mode: 'guided', operator: 'alice', host: hostname(), targets: [] });
    }
    await sink.append({ type: 'run-end', runId: '20261201-100000-aaaa', outcome: 'fixed', message: 'ok' });
    await sink.close();

    const all = JSON.parse((await cli('runs', '--all', '--json')).stdout) as Array<{ runId: string; status: string; resumable: boolean }>;
    expect(all.map((r) => [r.runId.slice(-4), r.status, r.resumable])).toEqual([
      ['dddd', 'interrupted', true],
      ['cccc', 'running', false],
      ['bbbb', 'interrupted', true],
      ['aaaa', 'finished', false],
    ]);
    const r = await cli('runs');
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^RUN +STARTED +RUNBOOK +MODE +OPERATOR +STATUS +RESUME WITH$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['20261201-100000-dddd', '20261201-100000-cccc', '20261201-100000-bbbb']);
    expect(r.stdout).toContain('agmedic resume 20261201-100000-dddd');
    expect(r.stdout).toMatch(/cccc .*running \(pid \d+\)/);

    const show = (await cli('audit', 'show')).stdout;
    expect(show).toMatch(/aaaa .* fixed$/m);
    expect(show).toMatch(/bbbb .* interrupted$/m);
    expect(show).toMatch(/cccc .* running$/m);
    expect(show).toMatch(/dddd .* interrupted$/m);
    expect((await cli('audit', 'show', '--outcome', 'running')).stdout.trim().split('\n')).toHaveLength(2);
  });
});
