/**
 * Reads a targets file through a cache of checked files (issue 13): a connected command reads
 * the same targets file at every start, and checking it loads the YAML parser and zod (~25 ms of
 * a ~250 ms start). The entry is what readTargetsFile returned for exactly this text, path and
 * folder, from exactly this build; anything else is a miss and is checked for real.
 *
 * An entry holds no secret: a targets file names environment variables, and one that holds a
 * password is refused (so never stored). Entries live in the private cache folder (cache-dir.ts).
 * Running from src/ (tests, no build id) there is no cache: the file is always checked.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { TargetsConfig } from '../runtime/targets/types.js';
import { privateCacheDir, readCacheEntry, writeCacheEntry } from './boot/cache-dir.js';

/** Set by scripts/build.mjs: a hash of the sources the bundle was built from. */
declare const __AGMEDIC_BUILD_ID__: string | undefined;

const buildId = (): string | undefined => (typeof __AGMEDIC_BUILD_ID__ === 'string' ? __AGMEDIC_BUILD_ID__ : undefined);

/**
 * `readTargetsFile(path)`, from the cache when this build already checked this very file.
 *
 * @example
 * const config = await readTargetsFileCached('lab-targets.yaml');
 */
export async function readTargetsFileCached(path: string, dir: string | undefined = buildId() === undefined ? undefined : privateCacheDir('targets')): Promise<TargetsConfig> {
  let text: string | undefined;
  try {
    text = dir === undefined ? undefined : readFileSync(path, 'utf8');
  } catch {
    text = undefined; // unreadable: the full read below reports it with its code
  }
  const key = text === undefined || dir === undefined ? undefined : createHash('sha256').update(`${buildId() ?? ''}\0${path}\0${dirname(resolve(path))}\0${text}`).digest('hex');
  if (key !== undefined && dir !== undefined) {
    try {
      const entry = readCacheEntry(join(dir, `${key}.json`));
      if (entry !== undefined) return JSON.parse(entry.toString('utf8')) as TargetsConfig;
    } catch {
      // not checked yet by this build (or a damaged entry): check it for real
    }
  }
  const { parseTargets, readTargetsFile } = await import('../runtime/targets/read-targets-file.js');
  // The text just hashed is the text checked: a file changed in between is not stored under the old hash.
  const config = text === undefined ? readTargetsFile(path) : parseTargets(text, path, dirname(resolve(path)));
  if (key !== undefined && dir !== undefined) store(join(dir, `${key}.json`), JSON.stringify(config));
  return config;
}

/** A cache entry that cannot be written costs the next start its speed, nothing else. */
function store(file: string, json: string): void {
  try {
    writeCacheEntry(file, json);
  } catch {
    // a full disk or a vanished folder: the next start checks the file again
  }
}
