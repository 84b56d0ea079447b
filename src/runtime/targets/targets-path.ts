/**
 * Where the targets file is, without reading it: kept apart from read-targets-file.ts so that
 * naming the file does not load the YAML parser and zod (a cached read needs neither).
 */

/** The env variable `-t` falls back to. */
export const TARGETS_ENV = 'AGMEDIC_TARGETS';

/**
 * Which targets file to read: `-t FILE` wins over `AGMEDIC_TARGETS`; undefined when neither is set.
 *
 * @example
 * const path = resolveTargetsPath(opts.targets); // 'targets.yaml' or process.env.AGMEDIC_TARGETS
 */
export function resolveTargetsPath(flag: string | undefined, env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  if (flag !== undefined && flag !== '') return flag;
  const fromEnv = env[TARGETS_ENV];
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}
