/**
 * FOR THE RUN COMMAND (runtime-core): `agmedic run plan.json` with a live plan (one that has
 * `live.fingerprint`) must, before it changes anything, read the facts again and call
 * {@link assertPlanFresh} — it throws `PLAN_STALE` (exit 4) naming what changed. The simplest
 * correct call site: run the same check-mode pass `plan --live` runs (executeRun with
 * mode 'check', see runtime/live-plan), then `assertPlanFresh(plan, result.facts)`, then the real run.
 */
import { AgmedicError } from '../../errors.js';
import type { ParamValue } from '../../compile/types.js';
import { canonicalJson } from '../../runbook/canonical.js';
import { readFact } from './build-fingerprint.js';
import type { FactChange, Freshness, PlanFingerprint } from './types.js';

/** The parts of a saved live plan this needs. */
export interface FingerprintedPlan {
  parameters: Readonly<Record<string, ParamValue>>;
  live?: { fingerprint: PlanFingerprint };
}

const shown = (e: { value?: unknown; unavailable?: true }): unknown => (e.unavailable ? '<unavailable>' : (e.value ?? null));

/**
 * Compares every fingerprinted fact with its value in `currentFacts` (query results by step and
 * role, as the executor records them). A plan without a fingerprint (a dry-run plan) is fresh.
 *
 * @example
 * const r = checkPlanFreshness(plan, check.facts);
 * if (!r.fresh) console.log(r.changes[0]); // { fact: 'facts.roles.sqlserver[0].role', was: 'PRIMARY', now: 'SECONDARY', … }
 */
export function checkPlanFreshness(plan: FingerprintedPlan, currentFacts: Readonly<Record<string, unknown>>): Freshness {
  const fp = plan.live?.fingerprint;
  if (!fp) return { fresh: true };
  const changes: FactChange[] = [];
  for (const entry of fp.facts) {
    const now = readFact(entry.fact, currentFacts, plan.parameters);
    if (canonicalJson(shown(entry)) !== canonicalJson(shown(now))) {
      changes.push({ fact: entry.fact, was: shown(entry), now: shown(now), readBy: [...entry.readBy] });
    }
  }
  return changes.length ? { fresh: false, changes } : { fresh: true };
}

/**
 * Throws `PLAN_STALE` — "plan is stale: facts.roles.sqlserver[0].role was "PRIMARY", now
 * "SECONDARY"" — when a fingerprinted fact changed; `details.changes` lists every change.
 *
 * @example
 * assertPlanFresh(plan, (await executeRun({ ...opts, mode: 'check' })).facts);
 */
export function assertPlanFresh(plan: FingerprintedPlan, currentFacts: Readonly<Record<string, unknown>>): void {
  const r = checkPlanFreshness(plan, currentFacts);
  if (r.fresh) return;
  const [first, ...rest] = r.changes;
  const one = (c: FactChange) => `${c.fact} was ${JSON.stringify(c.was)}, now ${JSON.stringify(c.now)}`;
  throw new AgmedicError(
    'PLAN_STALE',
    `plan is stale: ${one(first!)}${rest.length ? `; and ${rest.map(one).join('; ')}` : ''}. The state the plan relied on changed: make a new plan (agmedic plan --live) and review it.`,
    { details: { changes: r.changes } },
  );
}
