/**
 * agmedic's start-up caches (compiled code, checked targets files) live in one private folder:
 * $AGMEDIC_CACHE_DIR, else $XDG_CACHE_HOME/agmedic, else ~/.cache/agmedic. What is read from it
 * is trusted (cached code runs as the user; a targets entry says where a password is sent), so a
 * folder is used only if it is this user's own, nobody else can write to it or swap it, and each
 * entry is checked again when opened. On Windows only %LOCALAPPDATA%\agmedic\cache is used.
 * AGMEDIC_NO_CACHE=1 turns every cache off.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/**
 * The cache subfolder `sub`, created private (0700) if missing; undefined when caching is off or
 * the folder is not safe to trust. A cache that cannot be used costs speed, never correctness.
 *
 * @example
 * const dir = privateCacheDir('targets'); // '/home/dba/.cache/agmedic/targets' or undefined
 */
export function privateCacheDir(sub: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.AGMEDIC_NO_CACHE === '1') return undefined;
  let base: string;
  if (process.platform === 'win32') {
    // No owner or mode bits to check there: only the user's own profile folder is trusted.
    if (env.AGMEDIC_CACHE_DIR || !env.LOCALAPPDATA) return undefined;
    base = join(env.LOCALAPPDATA, 'agmedic', 'cache');
  } else {
    base = resolve(env.AGMEDIC_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'agmedic'));
  }
  const dir = join(base, sub);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return process.platform === 'win32' || (isPrivate(base) && isPrivate(dir) && noOneElseCanSwap(base)) ? dir : undefined;
  } catch {
    return undefined; // read-only home, no home: run without a cache
  }
}

/** Owned by this user, a real folder, no write bit for group or others. */
function isPrivate(dir: string): boolean {
  const st = lstatSync(dir);
  return st.isDirectory() && st.uid === process.getuid?.() && (st.mode & 0o022) === 0;
}

/**
 * No other user can rename a folder on the way and put their own in its place: every ancestor
 * belongs to root or to this user, and is writable by others only with the sticky bit (/tmp).
 */
function noOneElseCanSwap(dir: string): boolean {
  for (let d = dirname(dir); ; d = dirname(d)) {
    const st = statSync(d);
    if (st.uid !== 0 && st.uid !== process.getuid?.()) return false;
    if ((st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0) return false;
    if (dirname(d) === d) return true;
  }
}

/**
 * A cache entry's bytes, or undefined when there is none or it is not safe to use: checked on the
 * open file itself (not on its name, which could change in between), a regular file of this user
 * that nobody else can write.
 */
export function readCacheEntry(file: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined; // no entry yet
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return undefined;
    if (process.platform !== 'win32' && (st.uid !== process.getuid?.() || (st.mode & 0o022) !== 0)) return undefined;
    return readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
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
