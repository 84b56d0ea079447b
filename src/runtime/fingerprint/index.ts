/**
 * Plan fingerprints: the facts a live plan's route depended on, and the staleness check a run of
 * that plan makes before changing anything.
 *
 * @example
 * import { buildFingerprint, assertPlanFresh } from '../fingerprint/index.js';
 * const fingerprint = buildFingerprint(runbook, checkResult, values);   // plan --live
 * assertPlanFresh({ parameters: values, live: { fingerprint } }, freshCheck.facts); // run plan.json
 */
export { factReads, factsPath, type FactRead } from './fact-reads.js';
export { buildFingerprint, fingerprintHash, readFact, routeConditions, toJson, type RouteCondition } from './build-fingerprint.js';
export { assertPlanFresh, checkPlanFreshness, type FingerprintedPlan } from './check-plan-freshness.js';
export type * from './types.js';
