/**
 * The compile stage: Runbook → xstate machine config (data) + StepGraph + static analysis and
 * the safety proof; parameters → values; values → the dry-run Plan. Pure: no I/O.
 *
 * @example
 * import { compileRunbook, resolveParameters, buildPlan, renderPlan } from '../compile/index.js';
 * const compiled = compileRunbook(runbook, { source, locate: (p) => positions.rangeOf(p) });
 * if (compiled.diagnostics.length === 0) {
 *   const { values } = resolveParameters(runbook, { link: 'AG1' });
 *   console.log(renderPlan(buildPlan(runbook, compiled, values, { sha256 }), 'text', { color: false }));
 * }
 */
export { compileRunbook } from './compile-runbook.js';
export { buildMachine } from './build-machine.js';
export { deriveGraph } from './derive-graph.js';
export { proveSafety, safetyDiagnostics } from './safety-proof.js';
export { dominance, splitGraph, pathAvoiding, type Dominance, type SplitGraph } from './dominators.js';
export { celEnvironmentFor, checkCel, evaluateCel, evaluatePreparedCel, parseCelAst, prepareCelContext, referencedFacts, referencedParams, toCelValue, fromCelValue, type CelProblem, type PreparedCelContext, type CelScope, type FactRef } from './cel.js';
export { celFieldsOf } from './analyze-cel.js';
export { parseDuration } from './durations.js';
export { resolveParameters } from './resolve-parameters.js';
export { buildPlan, summarizeSteps } from './build-plan.js';
export { findUnearnedFixed, type UnearnedRoute } from './earned-outcomes.js';
export { renderPlan, renderPlanHeader, renderGraph } from './render-plan.js';
export type * from './types.js';
