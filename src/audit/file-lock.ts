/**
 * A cross-process lock for appending to one audit file, without flock (which Node lacks).
 *
 * Scheme: the lock is a sibling file `<log>.lock` holding `pid host epoch-ms`. It is written to a
 * private temporary file first and then hard-linked into place (`link` fails with EEXIST, atomic on
 * local file systems), so the lock never exists without its holder's name: a process killed
 * between "create" and "write" used to leave an empty lock that blocked every run for `staleMs`. It is held only around one batch
 * write (re-read the chain tail, write, release), never for a whole run, so two runs on one
 * machine can both audit into the same file and their records never interleave or fork the chain.
 *
 * A lock is stale when its holder is a dead process on this host, when it names no holder at all
 * (empty or garbled — left by an older version — and older than a second), or when it is older than
 * `staleMs` (a batch write takes milliseconds; a minute means a crash, or another host on a
 * network share). A stale lock is removed only if its content is unchanged since it was judged
 * stale; two processes breaking the same stale lock in the same instant remain a (narrow) race.
 */
import { link, open, readFile, stat, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { hostname } from 'node:os';
import { AgmedicError } from '../errors.js';

export interface LockOptions {
  /** Give up after this long; default 10 s. */
  timeoutMs?: number;
  /** Consider a lock abandoned after this long; default 60 s. */
  staleMs?: number;
}

/**
 * Takes the lock at `lockPath`, waiting for another holder; resolves to a release function.
 *
 * @example
 * const release = await acquireFileLock('/home/me/.agmedic/audit.jsonl.lock');
 * try { await write(); } finally { await release(); }
 */
export async function acquireFileLock(lockPath: string, options: LockOptions = {}): Promise<() => Promise<void>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const staleMs = options.staleMs ?? 60_000;
  const me = `${process.pid} ${hostname()} ${Date.now()}`;
  const started = Date.now();
  let delay = 1;
  for (;;) {
    try {
      await linkInPlace(lockPath, me);
      return async () => {
        // Only our own lock: if it was judged stale and taken over by another writer meanwhile,
        // removing theirs would let a third writer in and fork the chain.
        const holder = await readFile(lockPath, 'utf8').catch(() => undefined);
        if (holder === me) await unlink(lockPath).catch(() => undefined);
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new AgmedicError('AUDIT_WRITE', `cannot create lock ${lockPath}: ${(err as Error).message}`, { cause: err });
      }
    }
    const holder = await readHolder(lockPath);
    if (holder && isStale(holder, staleMs)) {
      const again = await readHolder(lockPath);
      if (again && again.raw === holder.raw) await unlink(lockPath).catch(() => undefined);
      continue;
    }
    if (Date.now() - started > timeoutMs) {
      const who = holder && holder.pid > 0 ? `process ${holder.pid} on ${holder.host} since ${new Date(holder.since).toISOString()}` : 'another process';
      throw new AgmedicError('AUDIT_WRITE', `audit log lock ${lockPath} is held by ${who}`, { details: { lockPath } });
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 50);
  }
}

/** Writes `content` to a private file and links it to `lockPath`: EEXIST when the lock is taken. */
async function linkInPlace(lockPath: string, content: string): Promise<void> {
  const tmp = `${lockPath}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(content);
  } finally {
    await fh.close();
  }
  try {
    await link(tmp, lockPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
    // A file system without hard links: O_EXCL create, then write (an unnamed lock ages out).
    const lock = await open(lockPath, 'wx', 0o600);
    try {
      await lock.writeFile(content);
    } finally {
      await lock.close();
    }
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/** An unnamed lock younger than this may be another version's write in progress. */
const UNNAMED_GRACE_MS = 1_000;

interface Holder {
  raw: string;
  pid: number;
  host: string;
  since: number;
  /** The lock names its holder (`pid host epoch-ms`). */
  named: boolean;
}

async function readHolder(lockPath: string): Promise<Holder | undefined> {
  let raw: string;
  let mtime: number;
  try {
    [raw, mtime] = await Promise.all([readFile(lockPath, 'utf8'), stat(lockPath).then((s) => s.mtimeMs)]);
  } catch {
    return undefined; // released between our attempts
  }
  const [pid, host, since] = raw.split(' ');
  // A holder that crashed between create and write leaves an empty file: age by mtime.
  const named = /^\d+ \S+ \d+$/.test(raw);
  return { raw, pid: Number(pid), host: host ?? '', since: named ? Number(since) : mtime, named };
}

function isStale(holder: Holder, staleMs: number): boolean {
  if (Date.now() - holder.since > staleMs) return true;
  if (!holder.named) return Date.now() - holder.since > UNNAMED_GRACE_MS;
  if (holder.host !== hostname() || !Number.isInteger(holder.pid) || holder.pid <= 0) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
