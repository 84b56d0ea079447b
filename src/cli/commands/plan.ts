import { writeFileSync } from 'node:fs';
// The compile stage's files one by one, not its index: plan must not load the compiler itself.
import { buildPlan } from '../../compile/build-plan.js';
import { renderPlan } from '../../compile/render-plan.js';
import { resolveParameters } from '../../compile/resolve-parameters.js';
import { AgmedicError } from '../../errors.js';
import { EXIT } from '../exit-codes.js';
import { loadUsableRunbookFast } from '../known-good.js';
import type { Output } from '../output.js';
import { parseParamPairs } from '../parse-params.js';

export interface PlanOptions {
  param: string[];
  format: 'text' | 'json' | 'mermaid';
  out?: string;
  /** Connect (-t targets.yaml), run the read-only checks and fingerprint what the route relied on. */
  live?: boolean;
  targets?: string;
  /** --live against one link of a fleet's targets file. */
  pair?: string;
}

export async function planCommand(ref: string, opts: PlanOptions, output: Output): Promise<number> {
  const usable = await loadUsableRunbookFast(ref);
  const resolved = resolveParameters(usable.runbook, parseParamPairs(opts.param));
  const problems = resolved.diagnostics.filter((d) => d.severity === 'error');
  if (problems.length) throw AgmedicError.fromDiagnostics(problems, 'parameters do not fit the runbook');
  const plan = buildPlan(usable.runbook, usable.compiled, resolved.values, { sha256: usable.sha256 });
  // Lazily: only --live loads the drivers.
  if (opts.live) return (await import('./plan-live.js')).planLive(usable, plan, resolved.values, opts, output);
  if (opts.out) {
    try {
      writeFileSync(opts.out, renderPlan(plan, 'json', { color: false }) + '\n');
    } catch (cause) {
      throw new AgmedicError('FILE_READ', `cannot write the plan to ${opts.out}`, { cause });
    }
  }
  output.out(renderPlan(plan, opts.format, { color: output.color }));
  return EXIT.ok;
}
