/**
 * The file-backed {@link AuditSink}. Appends are queued and written in batches: every append that
 * arrives while a write is in flight joins the next one, so order is the order of the calls, a
 * burst costs one lock and one write, and a lone append is written at once.
 *
 * A failed write leaves the sink failed: every later append rejects with `AUDIT_WRITE`, because
 * the runtime must not go on acting once it can no longer prove what it did.
 */
import { writeSync } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { AgmedicError } from '../errors.js';
import type { AuditSink } from '../ports/audit-sink.js';
import type { Clock } from '../ports/clock.js';
import { assertNoChainFields, encodeRecord, hashOfLine, readLineHeader } from './encode-record.js';
import { acquireFileLock, type LockOptions } from './file-lock.js';
import { readLastLine } from './read-last-line.js';
import { redact } from './redact.js';
import { GENESIS, type AuditEvent } from './types.js';

/** `$AGMEDIC_HOME/audit.jsonl`, by default `~/.agmedic/audit.jsonl`. */
export function defaultAuditLogPath(env: Readonly<Record<string, string | undefined>> = process.env): string {
  // AGMEDIC_HOME lets tests (and shared service accounts) keep agmedic's state out of the real home.
  return join(env.AGMEDIC_HOME || join(homedir(), '.agmedic'), 'audit.jsonl');
}

export interface OpenAuditLogOptions {
  /** Default {@link defaultAuditLogPath}. */
  path?: string;
  /** Stamps `ts`; default the system clock. */
  clock?: Clock;
  lock?: LockOptions;
  /** Most records per write; bounds memory and how long the lock is held. Default 10,000. */
  maxBatch?: number;
}

const MAX_HOLD_MS = 100;
/** How long the sink may sit idle before it lets the lock go (see `#holdLock`). */
const IDLE_RELEASE_MS = 20;

interface Pending {
  event: AuditEvent;
  ts: string;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Opens (creating if needed: directories 0700, file 0600) an audit log for appending.
 *
 * @example
 * const sink = await openAuditLog({ clock });
 * await sink.append({ type: 'run-end', runId, outcome: 'recovered', message: 'link healthy' });
 * await sink.close();
 */
export async function openAuditLog(options: OpenAuditLogOptions = {}): Promise<FileAuditSink> {
  const path = options.path ?? defaultAuditLogPath();
  let fh: FileHandle;
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    fh = await open(path, 'a+', 0o600); // a+: the tail must be readable to continue the chain
  } catch (err) {
    throw new AgmedicError('AUDIT_WRITE', `cannot open audit log ${path}: ${(err as Error).message}`, { cause: err });
  }
  const sink = new FileAuditSink(path, fh, options);
  try {
    // Check the tail now, so a damaged log is refused before the run starts rather than mid-step.
    await sink.withLock(() => sink.catchUp());
  } catch (err) {
    await fh.close();
    if (err instanceof AgmedicError) throw err;
    throw new AgmedicError('AUDIT_WRITE', `cannot read audit log ${path}: ${(err as Error).message}`, { cause: err });
  }
  return sink;
}

/** Appends hash-chained records to one file; see {@link openAuditLog}. */
export class FileAuditSink implements AuditSink {
  readonly path: string;
  readonly #fh: FileHandle;
  readonly #clock: Clock;
  readonly #lock: LockOptions;
  readonly #maxBatch: number;
  #queue: Pending[] = [];
  #writing: Promise<void> | undefined;
  #failure: AgmedicError | undefined;
  #closed = false;
  readonly #lockPath: string;
  #release: (() => Promise<void>) | undefined;
  #lockedAt = 0;
  #releaseTimer: ReturnType<typeof setTimeout> | undefined;
  #lastWrite = 0;
  // Where this process believes the chain ends; re-read whenever the file size says otherwise.
  #size = -1;
  #seq = 0;
  #prev = GENESIS;

  /** Use {@link openAuditLog}. */
  constructor(path: string, fh: FileHandle, options: OpenAuditLogOptions) {
    this.path = path;
    this.#fh = fh;
    this.#lockPath = `${path}.lock`;
    this.#clock = options.clock ?? { now: () => new Date() };
    this.#lock = options.lock ?? {};
    this.#maxBatch = options.maxBatch ?? 10_000;
  }

  /** Redacts at once (so a secret throws at the caller), then queues the record. */
  append(event: AuditEvent): Promise<void> {
    if (this.#closed) return Promise.reject(new AgmedicError('AUDIT_WRITE', `audit log ${this.path} is closed`));
    if (this.#failure) return Promise.reject(this.#failure);
    let safe: AuditEvent;
    let ts: string;
    try {
      assertNoChainFields(event);
      safe = redact(event) as AuditEvent;
      ts = this.#clock.now().toISOString(); // when it happened, not when the batch was written
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ event: safe, ts, resolve, reject });
      this.#writing ??= this.#drain();
    });
  }

  async sync(): Promise<void> {
    await this.#settled();
    if (this.#failure) throw this.#failure;
    try {
      await this.#fh.sync();
    } catch (err) {
      throw this.#fail(err);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#settled();
    try {
      if (!this.#failure) await this.#fh.sync();
    } finally {
      if (this.#releaseTimer !== undefined) clearTimeout(this.#releaseTimer);
      this.#releaseTimer = undefined;
      await this.#releaseLock();
      await this.#fh.close();
    }
    if (this.#failure) throw this.#failure;
  }

  /** @internal Runs `fn` holding the cross-process lock. */
  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    const release = await acquireFileLock(this.#lockPath, this.#lock);
    try {
      return await fn();
    } finally {
      await release();
    }
  }

  /** @internal Re-reads the chain tail if another writer (or anything) changed the file. */
  async catchUp(): Promise<void> {
    const { size } = await this.#fh.stat();
    if (size === this.#size) return;
    const last = await readLastLine(this.#fh, size);
    if (!last) {
      this.#seq = 0;
      this.#prev = GENESIS;
    } else {
      const header = last.complete ? readLineHeader(last.line) : undefined;
      if (!header || hashOfLine(last.line) !== header.hash) {
        throw new AgmedicError(
          'AUDIT_CHAIN_BROKEN',
          `the last record of ${this.path} is ${last.complete ? 'damaged' : 'incomplete'}; run \`agmedic audit verify\` and move the file aside before appending`,
          { details: { path: this.path } },
        );
      }
      this.#seq = header.seq;
      this.#prev = header.hash;
    }
    this.#size = size;
  }

  async #settled(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  async #drain(): Promise<void> {
    // Let appends issued in the same tick join the first batch.
    await Promise.resolve();
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#maxBatch);
        if (this.#failure) {
          for (const p of batch) p.reject(this.#failure);
          continue;
        }
        try {
          await this.#holdLock();
          await this.#writeBatch(batch);
          for (const p of batch) p.resolve();
        } catch (err) {
          const failure = this.#fail(err);
          await this.#releaseLock();
          for (const p of batch) p.reject(failure);
        }
      }
    } finally {
      this.#writing = undefined;
      this.#scheduleRelease();
    }
  }

  // The lock is kept while appends keep coming and let go once the sink has been idle for
  // IDLE_RELEASE_MS, or after MAX_HOLD_MS so another process appending to the same file gets its
  // turn. A run appends a few records per step with a statement's round trip in between: letting
  // go at every idle turn of the event loop cost it five file-system calls per step (create, write
  // and close the lock file, stat the log, unlink) — most of the engine's per-step overhead.
  async #holdLock(): Promise<void> {
    if (this.#release && Date.now() - this.#lockedAt > MAX_HOLD_MS) await this.#releaseLock();
    if (this.#release) return;
    this.#release = await acquireFileLock(this.#lockPath, this.#lock);
    this.#lockedAt = Date.now();
    await this.catchUp(); // only while we did not hold the lock could anyone else have written
  }

  async #releaseLock(): Promise<void> {
    const release = this.#release;
    this.#release = undefined;
    if (release) await release();
  }

  #scheduleRelease(): void {
    this.#lastWrite = Date.now();
    if (!this.#release || this.#releaseTimer !== undefined) return;
    const check = (): void => {
      this.#releaseTimer = undefined;
      if (!this.#release || this.#writing) return; // the drain schedules the next check
      const idle = Date.now() - this.#lastWrite;
      if (idle >= IDLE_RELEASE_MS) void this.#releaseLock();
      else this.#releaseTimer = setTimeout(check, IDLE_RELEASE_MS - idle);
    };
    this.#releaseTimer = setTimeout(check, IDLE_RELEASE_MS);
  }

  async #writeBatch(batch: Pending[]): Promise<void> {
    let seq = this.#seq;
    let prev = this.#prev;
    const lines: string[] = [];
    for (const p of batch) {
      const { line, hash } = encodeRecord(prev, ++seq, p.ts, p.event);
      lines.push(line);
      prev = hash;
    }
    const bytes = Buffer.from(lines.join(''), 'utf8');
    // A synchronous write into the page cache takes microseconds; the thread-pool round trip of an
    // asynchronous one costs a run more than that at every step. Durability is `sync()`'s job.
    let written = 0;
    while (written < bytes.length) written += writeSync(this.#fh.fd, bytes, written, bytes.length - written, null);
    this.#seq = seq;
    this.#prev = prev;
    this.#size += bytes.length;
  }

  #fail(err: unknown): AgmedicError {
    this.#failure ??=
      err instanceof AgmedicError && err.code !== 'INTERNAL'
        ? err
        : new AgmedicError('AUDIT_WRITE', `cannot write audit log ${this.path}: ${(err as Error).message}`, { cause: err });
    return this.#failure;
  }
}
