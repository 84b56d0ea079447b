/**
 * `agmedic run plan.json`: a plan saved by `agmedic plan … --out plan.json` (a dry-run plan, or a
 * live plan with its fingerprint). Only the parts a run relies on are checked here; the runbook
 * itself is loaded again from disk and must hash to the plan's sha256.
 */
import { readFileSync } from 'node:fs';
import type { ParamValue, Plan } from '../compile/index.js';
import { AgmedicError } from '../errors.js';
import type { LivePlanSection } from '../runtime/live-plan/types.js';

export type SavedPlan = Plan & { live?: LivePlanSection };

/** True when a `run` argument names a saved plan rather than a runbook. */
export const isPlanFile = (ref: string): boolean => /\.json$/i.test(ref);

const isParamValue = (v: unknown): v is ParamValue => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/**
 * Reads and shape-checks a saved plan; throws `PLAN_FILE` naming what is wrong.
 *
 * @example
 * const saved = readSavedPlan('plan.json');
 * saved.runbook.sha256; saved.parameters; saved.live?.fingerprint
 */
export function readSavedPlan(path: string): SavedPlan {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new AgmedicError('PLAN_FILE', `cannot read the plan ${path}: ${(cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (cause as Error).message}`, { cause });
  }
  let plan: unknown;
  try {
    plan = JSON.parse(text);
  } catch (cause) {
    throw new AgmedicError('PLAN_FILE', `${path} is not JSON: ${(cause as Error).message}`, { cause });
  }
  const p = plan as Partial<SavedPlan> | null;
  const bad = (what: string): never => {
    throw new AgmedicError('PLAN_FILE', `${path} is not an agmedic plan (${what}); make one with: agmedic plan RUNBOOK --live -t targets.yaml --out ${path}`);
  };
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return bad('not an object');
  if (p.planVersion !== 1) return bad(`planVersion ${JSON.stringify(p.planVersion)}, expected 1`);
  if (typeof p.runbook?.name !== 'string' || typeof p.runbook.sha256 !== 'string') return bad('no runbook name and sha256');
  if (typeof p.parameters !== 'object' || p.parameters === null || !Object.values(p.parameters).every(isParamValue)) return bad('parameters are not a map of values');
  if (p.live !== undefined && (typeof p.live !== 'object' || p.live === null || !Array.isArray(p.live.fingerprint?.facts))) return bad('a live section without a fingerprint');
  return p as SavedPlan;
}
