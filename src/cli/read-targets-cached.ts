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
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { TargetsConfig } from '../runtime/targets/types.js';
import { checkedCache } from './boot/checked-cache.js';

/**
 * `readTargetsFile(path)`, from the cache when this build already checked this very file.
 *
 * @example
 * const config = await readTargetsFileCached('lab-targets.yaml');
 */
export async function readTargetsFileCached(path: string, dir?: string): Promise<TargetsConfig> {
  const cache = checkedCache('targets', dir); // undefined: the user's folder, for a built CLI
  let text: string | undefined;
  try {
    text = cache === undefined ? undefined : readFileSync(path, 'utf8');
  } catch {
    text = undefined; // unreadable: the full read below reports it with its code
  }
  const baseDir = dirname(resolve(path));
  const inputs = [path, baseDir, text ?? ''];
  const hit = text === undefined ? undefined : cache?.read<TargetsConfig>(inputs);
  if (hit !== undefined) return hit;
  const { parseTargets, readTargetsFile } = await import('../runtime/targets/read-targets-file.js');
  // The text just hashed is the text checked: a file changed in between is not stored under the old hash.
  const config = text === undefined ? readTargetsFile(path) : parseTargets(text, path, baseDir);
  if (text !== undefined) cache?.write(inputs, config);
  return config;
}
