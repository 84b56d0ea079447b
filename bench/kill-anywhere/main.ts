/**
 * The long kill-anywhere campaign (run by scripts/kill-anywhere.mjs, which bundles this file and
 * child.ts): `--trials N` (default 100), `--seed S`, `--parallel P` (default 2), `--speed X` (lab
 * speed, default 100), `--arm-delay MS` (ARM operations that take MS, once the lab offers it).
 * Prints one line per trial, then the figures; exits 1 on any double execution or failed trial.
 */
import { runCampaign, summarize } from './campaign.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v)) throw new Error(`--${name} needs a number`);
  return v;
};

const childJs = process.env.AGMEDIC_KA_CHILD;
if (!childJs) throw new Error('AGMEDIC_KA_CHILD must name the bundled child.js (use scripts/kill-anywhere.mjs)');
const trials = arg('trials', 100);
const seed = arg('seed', Date.now() % 1_000_000);
const parallel = arg('parallel', 2);
const speed = arg('speed', 100);
const armDelay = arg('arm-delay', 0);
const t0 = performance.now();
console.log(`kill-anywhere: ${trials} trials, seed ${seed}, parallel ${parallel}, lab speed ${speed}${armDelay ? `, ARM operations ${armDelay} ms` : ''}`);
const report = await runCampaign({ trials, seed, parallel, speed, childJs, ...(armDelay ? { armOperationDelayMs: armDelay } : {}), log: (l) => console.log(l) });
console.log(`\n${summarize(report)}\nwall time: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
process.exit(report.trials.every((r) => r.ok) ? 0 : 1);
