/**
 * The runtime: runs a compiled machine against open targets (ports only), asks through a Prompter,
 * audits every action from one place, journals for resume, and holds the one-operator lock.
 *
 * @example
 * import { executeRun, newRunId, acquireRunLocks, lockResource, wouldPrompt } from '../runtime/index.js';
 * const result = await executeRun({ runId, runbook, compiled, plan, values, targets, prompter, audit, journal,
 *   clock, signal, mode: 'guided', operator, host });
 */
export { executeRun } from './execute/execute-run.js';
export { encodeSnapshot, decodeSnapshot } from './execute/snapshot-codec.js';
export { createUnattendedPrompter, refusingPrompter } from './prompt/unattended-prompter.js';
export { wouldPrompt } from './prompt/would-prompt.js';
export { acquireRunLocks, findLockHolder, lockAppName, lockResource, type LockHolder } from './lock/run-lock.js';
export { newRunId, RUN_ID_PATTERN } from './run-id.js';
export type * from './types.js';
