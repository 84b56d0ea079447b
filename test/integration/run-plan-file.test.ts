/**
 * `agmedic run plan.json` against the lab over TCP with the real mssql driver: a live plan runs
 * when the state it relied on still holds; it is refused (PLAN_STALE, exit 4) after the lab's state
 * changed — after taking the run locks, before the journal and any change — and refused
 * (RUNBOOK_CHANGED) when the runbook on disk no longer hashes to the plan's sha256.
 */
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { openSqlTarget } from '../../src/adapters/mssql-target.js';
import { runCommand } from '../../src/cli/commands/run.js';
import { exitCodeFor } from '../../src/cli/exit-codes.js';
import { memoryOutput } from '../../src/cli/output.js';
import { runCli } from '../../src/cli/program.js';
import { Secret } from '../../src/ports/secret.js';
import type { LivePlan } from '../../src/runtime/live-plan/index.js';
import { readTargetsFile } from '../../src/runtime/targets/index.js';
import { auditRecords, FIXTURE, LAB_SECRET, scriptedPrompter, startRunLab, statementsMatching, type RunLab } from './helpers/run-lab.js';

const DEMOTE = /^ALTER AVAILABILITY GROUP \[SalesLink\] SET \(ROLE = SECONDARY\)/;
/** Statements that change a server (the run lock's sp_getapplock changes nothing in the link). */
const CHANGING = /^\s*(ALTER|BACKUP|RESTORE|CREATE|DROP|INSERT|UPDATE|DELETE|MERGE|TRUNCATE|GRANT|REVOKE|DENY|KILL|SHUTDOWN|DBCC)\b/i;

let rl: RunLab;
beforeEach(async () => {
  rl = await startRunLab();
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await rl.close();
});

async function livePlan(runbook = FIXTURE): Promise<{ path: string; plan: LivePlan }> {
  for (const [k, v] of Object.entries(rl.env)) if (k.startsWith('AGMEDIC_')) vi.stubEnv(k, v);
  const path = join(rl.home, 'plan.json');
  const o = memoryOutput();
  expect(await runCli(['plan', runbook, '-p', 'link=SalesLink', '--live', '-t', rl.targets, '--out', path], o), o.stderr).toBe(0);
  return { path, plan: JSON.parse(readFileSync(path, 'utf8')) as LivePlan };
}

const runPlan = (path: string, prompter: ReturnType<typeof scriptedPrompter>, param: string[] = []) => {
  const out = memoryOutput();
  return { out, code: runCommand(path, { param, targets: rl.targets, json: true }, out, { prompter, env: rl.env, interactive: false }) };
};

const runDirs = (): string[] => (existsSync(join(rl.home, 'runs')) ? readdirSync(join(rl.home, 'runs')) : []);

describe('agmedic run plan.json', () => {
  test('fresh: the plan runs, with the runbook and parameters it names', async () => {
    const { path, plan } = await livePlan();
    expect(plan.live.runbookRef).toBe(FIXTURE);
    expect(plan.live.stoppedAt).toMatchObject({ step: 'demote', reason: 'confirm' });
    const prompter = scriptedPrompter([{ answer: 'run', typed: 'SalesLink' }]);
    const { out, code } = runPlan(path, prompter);
    expect(await code).toBe(0);
    const result = JSON.parse(out.stdout) as { outcome: string; runId: string };
    expect(result.outcome).toBe('fixed');
    expect(statementsMatching(rl.lab, DEMOTE)).toHaveLength(1);
    const manifest = JSON.parse(readFileSync(join(rl.home, 'runs', result.runId, 'manifest.json'), 'utf8')) as { rawParameters: Record<string, string>; runbook: { ref: string } };
    expect(manifest).toMatchObject({ rawParameters: { link: 'SalesLink', gate: '1' }, runbook: { ref: FIXTURE } });
    const start = auditRecords(rl.home).find((r) => r.type === 'run-start' && r.runId === result.runId);
    expect(start).toMatchObject({ plan: { file: path, fingerprint: plan.live.fingerprint.sha256 } });
  }, 60_000);

  test('stale: refused with PLAN_STALE (exit 4) after the locks, before the journal and any change', async () => {
    const { path } = await livePlan();
    // Someone else demotes SQL Server meanwhile.
    const config = readTargetsFile(rl.targets);
    const dba = await openSqlTarget('sqlserver', config.targets.sqlserver!, new Secret(LAB_SECRET));
    try {
      await dba.query('ALTER AVAILABILITY GROUP [SalesLink] SET (ROLE = SECONDARY)', [], {});
    } finally {
      await dba.close();
    }
    expect(rl.lab.control.roles().sqlserver).toBe('SECONDARY');

    const before = rl.lab.statementLog().length;
    const prompter = scriptedPrompter([]);
    await expect(runPlan(path, prompter).code).rejects.toMatchObject({
      code: 'PLAN_STALE',
      message: expect.stringMatching(/^plan is stale: facts\.roles\.sqlserver\[0\]\.role was "PRIMARY", now "SECONDARY"/),
    });
    expect(exitCodeFor('PLAN_STALE')).toBe(4);
    const sent = rl.lab.statementLog().slice(before).map((s) => s.text);
    // The locks first, then the read-only check pass; nothing that changes a server.
    expect(sent.findIndex((t) => /sp_getapplock/.test(t))).toBeGreaterThanOrEqual(0);
    expect(sent.findIndex((t) => /sp_getapplock/.test(t))).toBeLessThan(sent.findIndex((t) => /dm_hadr_availability_replica_states/.test(t)));
    expect(sent.filter((t) => CHANGING.test(t))).toEqual([]);
    expect(prompter.asked).toEqual([]);
    expect(runDirs()).toEqual([]);
    expect(existsSync(join(rl.home, 'audit.jsonl')) ? auditRecords(rl.home).filter((r) => r.type === 'run-start') : []).toEqual([]);
  }, 60_000);

  test('a changed runbook: refused with RUNBOOK_CHANGED before any connection', async () => {
    const copy = join(rl.home, 'copy.yaml');
    copyFileSync(FIXTURE, copy);
    const { path } = await livePlan(copy);
    writeFileSync(copy, readFileSync(copy, 'utf8').replace('title: Make SQL Server a secondary', 'title: Make SQL Server a secondary now'));
    const before = rl.lab.statementLog().length;
    await expect(runPlan(path, scriptedPrompter([])).code).rejects.toMatchObject({ code: 'RUNBOOK_CHANGED' });
    expect(exitCodeFor('RUNBOOK_CHANGED')).toBe(4);
    expect(rl.lab.statementLog().length).toBe(before);
    expect(runDirs()).toEqual([]);
  }, 60_000);

  test('-p with a plan is a usage error; a file that is not a plan is PLAN_FILE', async () => {
    const { path } = await livePlan();
    await expect(runPlan(path, scriptedPrompter([]), ['link=Other']).code).rejects.toMatchObject({ code: 'USAGE' });
    const notAPlan = join(rl.home, 'not-a-plan.json');
    writeFileSync(notAPlan, '{"hello": 1}');
    await expect(runPlan(notAPlan, scriptedPrompter([])).code).rejects.toMatchObject({ code: 'PLAN_FILE' });
  }, 60_000);
});
