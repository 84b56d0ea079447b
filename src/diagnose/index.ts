/**
 * diagnose: facts → findings → which runbook to run, for one link or a fleet (issue 6).
 *
 * @example
 * import { diagnoseFleet, groupPairs, loadRules } from '../diagnose/index.js';
 * const rules = loadRules({ runbooksDir: shippedRunbooksDir() });
 * const report = await diagnoseFleet(groupPairs(config.targets).pairs, ports, { rules, targetsFile, sampleMs: 5000 });
 */
export { diagnoseFleet, compareReports, type DiagnoseOptions, type DiagnoseReport, type DiagnoseSummary } from './diagnose-fleet.js';
export { estimateSeeding, formatBytes, formatHours, formatSpeed, parseSize, parseSpeed, SEEDING_LIMIT_HOURS, type SeedingEstimate } from './estimate-seeding.js';
export { evaluateRules, shellQuote, type RuleEvaluation } from './evaluate-rules.js';
export { createLimiter, gatherPairFacts, type DiagnosePorts, type GatherOptions, type Limiter, type PairSpec } from './gather-pair-facts.js';
export { groupPairs, pairRole } from './group-pairs.js';
export { blankFacts, listRuleFiles, loadRules, parseRules, shippedRulesDir, validateRuleSet, RULES_KIND } from './load-rules.js';
export { renderReport, reportJson } from './render-report.js';
export type * from './types.js';
