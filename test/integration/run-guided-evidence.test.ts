/**
 * Fresh evidence: what a destructive prompt shows is read immediately before it, over TCP with the
 * real mssql driver, so a change another client makes between the route's decision and the prompt
 * is what the operator sees — stamped, and named as changed. The same at every destructive prompt
 * of every shipped runbook: test/integration/run-guided-every-runbook.test.ts.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { memoryOutput } from '../../src/cli/output.js';
import { runCommand } from '../../src/cli/commands/run.js';
import type { ConfirmRequest } from '../../src/ports/prompter.js';
import { until } from './helpers/cli-process.js';
import { poolTracker } from './helpers/lab-client.js';
import { auditRecords, FIXTURE, scriptedPrompter, startRunLab, type RunLab } from './helpers/run-lab.js';

const DEMOTE = /^ALTER AVAILABILITY GROUP \[SalesLink\] SET \(ROLE = SECONDARY\)/;
const pools = poolTracker();
let rl: RunLab;
beforeEach(async () => {
  rl = await startRunLab();
});
afterEach(async () => {
  await pools.closeAll();
  await rl.close();
});

const started = (step: string) => () => {
  try {
    return auditRecords(rl.home).some((r) => r.type === 'step' && r.step === step && r.phase === 'start');
  } catch {
    return false;
  }
};

describe('evidence at a destructive prompt', () => {
  test('reflects a change another client made after the route was decided, and says it changed', async () => {
    // The route is decided on `roles` (both PRIMARY); the wait after it is slowed so another client
    // can demote the managed instance before the demotion's prompt.
    rl.lab.control.delayStatements('sqlserver', 700);
    const prompter = scriptedPrompter([{ answer: 'skip' }]);
    const out = memoryOutput();
    const run = runCommand(FIXTURE, { param: ['link=SalesLink'], targets: rl.targets, json: true }, out, { prompter, env: rl.env, interactive: true });
    await until('step settle to start', started('settle'));
    const other = await pools.open(rl.lab, rl.lab.mi);
    await other.request().batch('ALTER AVAILABILITY GROUP [SalesLink] SET (ROLE = SECONDARY)');
    rl.lab.control.delayStatements('sqlserver', 0);
    expect(await run).toBe(5);

    const req = prompter.asked[0] as ConfirmRequest;
    expect(req.step).toBe('demote');
    expect(req.evidence.find((e) => e.label === 'roles.mi')?.value).toEqual([{ role: 'SECONDARY' }]);
    expect(req.evidenceChanged).toEqual(['roles']);
    expect(Date.parse(req.evidenceRead!.at)).toBeGreaterThan(Date.now() - 60_000);
    expect(req.evidenceRead!.on.join(' ')).toMatch(/^sqlserver \(127\.0\.0\.1,\d+\) mi \(127\.0\.0\.1,\d+\)$/);
    // Skipped: nothing sent, and the run says which step was not done.
    expect(JSON.parse(out.stdout)).toMatchObject({ outcome: 'manual', step: 'demote' });
    // The one demotion in the lab's log is the other client's, on the managed instance.
    expect(rl.lab.statementLog().filter((s) => DEMOTE.test(s.text)).map((s) => s.instance)).toEqual([rl.lab.mi.serverName]);
  }, 60_000);
});
