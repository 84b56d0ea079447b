/**
 * A cache of what this build made of exact inputs (a checked targets file, a checked rule set):
 * JSON entries in the private cache folder (cache-dir.ts) under the sha256 of the build and of
 * every input. Another build, or any changed input, is another key, so an entry is never stale.
 * Running from src/ (tests: no build id) there is no cache unless a folder is given.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { privateCacheDir, readCacheEntry, writeCacheEntry } from './cache-dir.js';

/** Set by scripts/build.mjs: a hash of the sources the bundle was built from. */
declare const __AGMEDIC_BUILD_ID__: string | undefined;

const buildId = (): string | undefined => (typeof __AGMEDIC_BUILD_ID__ === 'string' ? __AGMEDIC_BUILD_ID__ : undefined);

export interface CheckedCache {
  /** The value stored for exactly these inputs, or undefined (none yet, damaged, not ours). */
  read<T>(inputs: readonly string[]): T | undefined;
  /** Stores a value for these inputs; a write that fails costs the next start its speed, nothing else. */
  write(inputs: readonly string[], value: unknown): void;
}

/**
 * The cache of one kind of input; undefined when there is none (no build id and no folder given,
 * caching off, or no safe folder).
 *
 * @example
 * const cache = checkedCache('targets');
 * const hit = cache?.read<TargetsConfig>([path, text]);
 */
export function checkedCache(kind: string, dir: string | undefined = buildId() === undefined ? undefined : privateCacheDir(kind)): CheckedCache | undefined {
  if (dir === undefined) return undefined;
  const fileOf = (inputs: readonly string[]): string => {
    const h = createHash('sha256').update(buildId() ?? '');
    // Each input with its length first: no two lists of inputs hash the same text.
    for (const input of inputs) h.update(`\0${input.length}\0`).update(input);
    return join(dir, `${h.digest('hex')}.json`);
  };
  return {
    read<T>(inputs: readonly string[]): T | undefined {
      const entry = readCacheEntry(fileOf(inputs));
      try {
        return entry === undefined ? undefined : (JSON.parse(entry.toString('utf8')) as T);
      } catch {
        return undefined; // a damaged entry: checked for real, then written again
      }
    },
    write(inputs: readonly string[], value: unknown): void {
      try {
        writeCacheEntry(fileOf(inputs), JSON.stringify(value));
      } catch {
        // a full disk or a vanished folder: the next start checks the input again
      }
    },
  };
}
