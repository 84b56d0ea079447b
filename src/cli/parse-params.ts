import { AgmedicError } from '../errors.js';

/** `-p k=v` pairs → a record; a pair without `=` is a usage error. */
export function parseParamPairs(pairs: readonly string[]): Record<string, string> {
  // No prototype: `-p __proto__=x` must be an unknown parameter, not a prototype change.
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new AgmedicError('USAGE', `-p expects name=value, got "${pair}"`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/** Commander's collector for repeatable options. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
