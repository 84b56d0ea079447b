/**
 * The short kill-anywhere campaign (issue 14; the long one is `node scripts/kill-anywhere.mjs`), on
 * link-failover — a SQL change, an ARM PATCH, a SQL failover: SIGKILLed right after a SQL change
 * before the lab answered, and at a random instant of the run; each time `resume` ends the run
 * fixed and no change reached the lab twice. A kill right after the ARM request is the known
 * defect of issue 14 item 1 (resume re-sends the Azure change) and is kept as a failing
 * expectation until the journal keeps the operation's URL.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bundleChild, CASES, formatTrial, runCampaign, type KillPlan } from '../../bench/kill-anywhere/campaign.js';

let child: Awaited<ReturnType<typeof bundleChild>>;
beforeAll(async () => {
  child = await bundleChild();
}, 60_000);
afterAll(() => child?.dispose());

const failover = CASES.find((c) => c.name === 'link-failover')!;

async function campaign(plans: KillPlan[]): Promise<{ report: Awaited<ReturnType<typeof runCampaign>>; lines: string }> {
  const report = await runCampaign({
    trials: plans.length,
    seed: 14,
    childJs: child.childJs,
    cases: [failover],
    parallel: plans.length,
    plans: plans.map((plan) => ({ case: failover.name, plan })),
  });
  return { report, lines: report.trials.map(formatTrial).join('\n') };
}

it('SIGKILL right after a SQL change or at a random instant, then resume: fixed, nothing executed twice', async () => {
  const { report, lines } = await campaign([
    { kind: 'after-change', k: 1, reply: 'before' },
    { kind: 'random', ms: 300 },
  ]);
  // The uninterrupted run: one SQL change, the ARM PATCH, the SQL failover.
  expect(report.baselines['link-failover']!.changes.map((c) => c.split(' ').slice(0, 2).join(' ')).sort()).toEqual(['arm PATCH', 'sql SQL01:', 'sql SQL01:']);
  for (const t of report.trials) {
    expect([t.doubleSql, t.doubleArm, t.missing, t.outcome], lines).toEqual([[], [], [], 'fixed']);
    expect(t.killed, lines).toBe(true);
  }
  // The change-point kill left the change in doubt; resume settled it by verify instead of re-sending.
  expect([report.trials[0]!.resumes, report.trials[0]!.inDoubt], lines).toEqual([1, 1]);
}, 180_000);

// Issue 14 item 1: flip to `it` once resume settles an in-doubt Azure change instead of re-sending it.
it.fails('SIGKILL right after the ARM PATCH, then resume: the PATCH is not sent again', async () => {
  const { report, lines } = await campaign([{ kind: 'after-change', k: 2, reply: 'before' }]);
  expect(report.trials[0]!.killed, lines).toBe(true);
  expect(report.trials[0]!.doubleArm, lines).toEqual([]);
}, 180_000);
