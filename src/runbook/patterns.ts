/**
 * The format's name patterns, apart from the zod schema that uses them: resolving a runbook by
 * name and checking parameter values need them on every start, the schema (zod, ~40 ms to load)
 * only when a runbook is validated (issue 13). `schema.ts` re-exports them.
 */

/** Step ids and parameter names: what CEL can address as `facts.<id>` / a variable. */
export const ID_PATTERN = /^[a-z][a-z0-9_-]*$/;
export const PARAM_NAME_PATTERN = /^[a-z][a-zA-Z0-9_]*$/;
/** 90s, 5m, 1h30m, 2d, 250ms. */
export const DURATION_PATTERN = /^(?:\d+(?:ms|s|m|h|d))+$/;
