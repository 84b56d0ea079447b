/**
 * The targets file: which servers a run talks to and how it signs in — never with what password.
 *
 * @example
 * import { readTargetsFile, resolvePassword, resolveTargetsPath } from './runtime/targets/index.js';
 * const config = readTargetsFile(resolveTargetsPath(opts.targets) ?? 'targets.yaml');
 * const password = await resolvePassword(config.targets.sqlserver!);
 */
export { parseTargets, readTargetsFile } from './read-targets-file.js';
export { resolveTargetsPath, TARGETS_ENV } from './targets-path.js';
export { parseConnectionString, type ConnectionStringParts } from './parse-connection-string.js';
export { resolvePassword, type PasswordPrompter } from './resolve-password.js';
export type * from './types.js';
export { pairRole, selectPair } from './select-pair.js';
