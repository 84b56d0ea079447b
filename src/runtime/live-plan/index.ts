/**
 * Live plans (`agmedic plan --live`): the route from the current state, read with read-only
 * queries only, and the fingerprint a later run checks before changing anything.
 *
 * @example
 * import { makeLivePlan, renderLivePlan } from '../runtime/live-plan/index.js';
 * const live = await makeLivePlan({ runbook, compiled, plan, values, targets, clock, signal, operator, host });
 * console.log(renderLivePlan(live, { color: false }));
 */
export { makeLivePlan, runCheckPass, assertLivePlanStillFresh, type LivePlanOptions } from './make-live-plan.js';
export { renderLivePlan } from './render-live-plan.js';
export type * from './types.js';
