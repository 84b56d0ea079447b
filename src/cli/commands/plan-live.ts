/**
 * The `--live` half of `agmedic plan`: imported only when --live is given, since it is the part
 * of `plan` that loads the drivers (mssql, @azure/*) — `plan` without --live never does.
 */
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { CompileResult, ParamValue, Plan } from '../../compile/index.js';
import { AgmedicError } from '../../errors.js';
import type { Runbook } from '../../runbook/schema.js';
import { makeLivePlan, renderLivePlan } from '../../runtime/live-plan/index.js';
import { selectPair } from '../../runtime/targets/select-pair.js';
import { resolveTargetsPath } from '../../runtime/targets/targets-path.js';
import { readTargetsFileCached } from '../read-targets-cached.js';
import { EXIT } from '../exit-codes.js';
import { closeRunTargets, openRunTargets } from '../open-targets.js';
import { operatorName } from '../operator-name.js';
import type { Output } from '../output.js';

export interface LivePlanCliOptions {
  targets?: string;
  pair?: string;
  format: 'text' | 'json' | 'mermaid';
  out?: string;
}

export async function planLive(
  usable: { runbook: Runbook; compiled: CompileResult; source?: { name: string } },
  plan: Plan,
  values: Record<string, ParamValue>,
  opts: LivePlanCliOptions,
  output: Output,
): Promise<number> {
  if (opts.format === 'mermaid') throw new AgmedicError('USAGE', '--live prints text or json; the mermaid picture is of the whole runbook (drop --live)');
  const path = resolveTargetsPath(opts.targets);
  if (path === undefined) throw new AgmedicError('USAGE', 'plan --live connects to the targets: give -t targets.yaml (or set AGMEDIC_TARGETS)');
  const all = await readTargetsFileCached(path);
  const config = opts.pair === undefined ? all : selectPair(all, opts.pair);
  // No prompt in plan: the environment has every password, or nothing is opened.
  const targets = await openRunTargets(usable.runbook, config);
  const ac = new AbortController();
  const onSigint = () => ac.abort(new AgmedicError('CANCELLED', 'interrupted (Ctrl-C)'));
  process.once('SIGINT', onSigint);
  let live;
  try {
    live = await makeLivePlan({
      runbook: usable.runbook, compiled: usable.compiled, plan, values, targets, clock: { now: () => new Date() }, signal: ac.signal,
      operator: operatorName(), host: hostname(),
    });
  } finally {
    process.off('SIGINT', onSigint);
    await closeRunTargets(targets);
  }
  // `agmedic run plan.json` finds the runbook again by this (an absolute path, or a shipped name).
  const ref = usable.source?.name;
  if (ref !== undefined) live.live.runbookRef = /[\\/]|\.ya?ml$/i.test(ref) ? resolve(ref) : ref;
  if (opts.out) {
    try {
      writeFileSync(opts.out, `${JSON.stringify(live, null, 2)}\n`);
    } catch (cause) {
      throw new AgmedicError('FILE_READ', `cannot write the plan to ${opts.out}`, { cause });
    }
  }
  output.out(opts.format === 'json' ? JSON.stringify(live, null, 2) : renderLivePlan(live, { color: output.color }));
  if (live.live.outcome === 'interrupted') return EXIT.aborted;
  // A failed check is what the plan found, not a failure of the plan: the route shows where.
  return EXIT.ok;
}

