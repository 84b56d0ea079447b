/**
 * Skipping each action of a shipped runbook, on its own incident in the lab (real mssql over TCP,
 * real ARM client): the run never ends "fixed", it ends naming the skipped step, and the skipped
 * change never reaches the lab. (Every shipped runbook's declines are also checked on its compiled
 * graph: test/runbooks/earned-outcomes.test.ts; every shipped runbook's every action, declined in
 * the lab: test/integration/run-guided-every-runbook.test.ts.)
 */
import { afterEach, describe, expect, test } from 'vitest';
import { memoryOutput } from '../../src/cli/output.js';
import { runCommand } from '../../src/cli/commands/run.js';
import type { ConfirmAnswer, ConfirmRequest, DecideAnswer, DecideRequest, Prompter } from '../../src/ports/prompter.js';
import { startRunLab, type RunLab } from './helpers/run-lab.js';

/** Runs every change it is asked for except the `skipAt`-th (0-based); decides as the policy would. */
function skipping(skipAt: number): Prompter & { asked: string[] } {
  const asked: string[] = [];
  return {
    kind: 'scripted',
    operator: 'tester',
    asked,
    async confirm(req: ConfirmRequest): Promise<ConfirmAnswer> {
      asked.push(req.step);
      if (asked.length - 1 === skipAt) return { answer: 'skip' };
      return req.typeToConfirm ? { answer: 'run', typed: req.typeToConfirm.expected } : { answer: 'run' };
    },
    async decide(req: DecideRequest): Promise<DecideAnswer> {
      return req.policyChoice === undefined ? { answer: 'abort' } : { answer: 'choose', index: req.policyChoice };
    },
  };
}

let rl: RunLab | undefined;
afterEach(async () => {
  await rl?.close();
  rl = undefined;
});

describe('premature-log-truncation on log-truncation: skipping each action', () => {
  test.each([0, 1])('skip at confirmation #%i: not fixed, ends naming the skipped step, its change never sent', async (k) => {
    rl = await startRunLab('log-truncation');
    const prompter = skipping(k);
    const out = memoryOutput();
    const code = await runCommand('premature-log-truncation', { param: ['link=SalesLink'], targets: rl.targets, json: true }, out, { prompter, env: rl.env, interactive: true });
    const result = JSON.parse(out.stdout) as { outcome: string; step: string; summary: { skipped: Array<{ step: string }>; notAttempted: Array<{ step: string }> } };
    const skipped = prompter.asked[k]!;
    expect(prompter.asked).toEqual(['drop_link_mi', 'drop_dag_sqlserver'].slice(0, k + 1));
    expect(result.outcome).not.toBe('fixed');
    expect(result).toMatchObject({ outcome: 'manual', step: skipped });
    expect(code).toBe(5);
    expect(result.summary.skipped.map((s) => s.step)).toEqual([skipped]);
    const drops = rl.lab.statementLog().filter((s) => /^DROP AVAILABILITY GROUP/.test(s.text));
    const deletes = rl.lab.arm.requests.filter((r) => r.method === 'DELETE');
    // #0 skips the MI's DELETE (and so never reaches the SQL Server drop); #1 skips the SQL Server drop.
    expect([deletes.length, drops.length]).toEqual(k === 0 ? [0, 0] : [1, 0]);
  }, 60_000);
});
