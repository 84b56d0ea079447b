/**
 * agmedic's start-up caches (compiled code, checked targets files) live in one private folder:
 * $AGMEDIC_CACHE_DIR, else $XDG_CACHE_HOME/agmedic, else ~/.cache/agmedic. What is read from it
 * is trusted (cached code runs as the user), so a folder is used only if it is this user's own
 * and nobody else can write to it. AGMEDIC_NO_CACHE=1 turns every cache off.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The cache subfolder `sub`, created private (0700) if missing; undefined when caching is off or
 * the folder is not safe to trust. A cache that cannot be used costs speed, never correctness.
 *
 * @example
 * const dir = privateCacheDir('targets'); // '/home/dba/.cache/agmedic/targets' or undefined
 */
export function privateCacheDir(sub: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.AGMEDIC_NO_CACHE === '1') return undefined;
  const base = env.AGMEDIC_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'agmedic');
  const dir = join(base, sub);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return isPrivate(base) && isPrivate(dir) ? dir : undefined;
  } catch {
    return undefined; // read-only home, no home: run without a cache
  }
}

/** Owned by this user (where there are users), a real folder, no write bit for group or others. */
function isPrivate(dir: string): boolean {
  const st = lstatSync(dir);
  if (!st.isDirectory()) return false;
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) return false;
  return process.platform === 'win32' || (st.mode & 0o022) === 0;
}

/**
 * Writes a cache entry (mode 0600) so that another agmedic starting at the same moment, or the
 * next one after a crash, reads either no entry or a whole one, never half: a private temporary
 * file, flushed, then renamed over the entry. Throws what the file system throws.
 *
 * @example
 * writeCacheEntry(join(dir, `${key}.json`), JSON.stringify(entry));
 */
export function writeCacheEntry(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
