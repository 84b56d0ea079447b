import sql from 'mssql';
import { AgmedicError, isAgmedicError } from '../errors.js';
import type { BoundParam, LockOptions, LockResult } from '../ports/sql-target.js';
import { toQueryError, type TargetIdentity } from './mssql-errors.js';

/** sp_getapplock's documented return codes below zero. */
const REFUSALS: Record<number, string> = {
  [-1]: 'timed out',
  [-2]: 'was cancelled',
  [-3]: 'was chosen as a deadlock victim',
  [-999]: 'failed (parameter validation or other call error)',
};

/**
 * Session-owned application locks on ONE dedicated connection. A pool could hand the session that
 * owns the lock to another request or recycle it, and a session lock lives exactly as long as its
 * session: so this pool has one connection, opened at the first lock and kept until close.
 *
 * @example
 * const locks = new LockSession(who, () => connect(1, 1), [password.reveal()]);
 * await locks.acquire('agmedic:SalesLink', { timeoutMs: 0 });
 */
export class LockSession {
  private pool: sql.ConnectionPool | undefined;
  private readonly held = new Map<string, LockResult>();
  private readonly options = new Map<string, LockOptions>();
  /**
   * Bumped whenever the lock connection ends or the pool opens another one: a session lock lives
   * exactly as long as its session, so a new generation means every lock this session held is gone.
   */
  private generation = 0;
  private heldGeneration = -1;
  /** Events from a pool already replaced must not bump the generation of the current one. */
  private poolId = 0;

  constructor(
    private readonly who: TargetIdentity,
    private readonly openPool: (hooks: ConnectionHooks) => Promise<sql.ConnectionPool>,
    private readonly secrets: readonly string[],
  ) {}

  /** True while this session holds at least one lock. */
  get holding(): boolean {
    return this.held.size > 0;
  }

  async acquire(resource: string, opts: LockOptions): Promise<LockResult> {
    const existing = this.held.get(resource);
    // Calling sp_getapplock again would stack a second hold needing a second release.
    if (existing) return existing;
    if (!this.pool) {
      const id = ++this.poolId;
      const bump = (): void => {
        if (id === this.poolId) this.generation++;
      };
      // Only an end counts: the driver opens and recycles spare connections on its own, and the
      // session probe in verify() catches a lock session replaced without an end being seen.
      this.pool = await this.openPool({ opened: () => undefined, ended: bump });
    }
    const pool = this.pool;

    const sessionId = Number((await this.run(pool, (r) => r.query('SELECT @@SPID AS spid'), opts.signal)).recordset[0]?.spid);
    const result = await this.run(
      pool,
      (r) =>
        r
          .input('Resource', sql.NVarChar(255), resource)
          .input('LockMode', sql.VarChar(32), 'Exclusive')
          .input('LockOwner', sql.VarChar(32), 'Session')
          .input('LockTimeout', sql.Int(), Math.max(0, Math.floor(opts.timeoutMs)))
          .execute('sp_getapplock'),
      opts.signal,
      // The lock wait itself must not trip the request timeout first.
      opts.timeoutMs + 5_000,
    );
    const code = result.returnValue as number;
    if (code === 0 || code === 1) {
      const granted: LockResult = { resource, returnCode: code, sessionId, acquiredAt: new Date() };
      this.held.set(resource, granted);
      this.options.set(resource, opts);
      this.heldGeneration = this.generation;
      return granted;
    }
    const details = { role: this.who.role, server: this.who.server, resource, returnCode: code, timeoutMs: opts.timeoutMs };
    const what = REFUSALS[code] ?? `returned ${String(code)}`;
    if (code === -1) {
      throw new AgmedicError('LOCK_HELD', `${this.who.role} (${this.who.server}): lock "${resource}" is held by another session (waited ${opts.timeoutMs} ms)`, { details });
    }
    if (code === -2) throw new AgmedicError('CANCELLED', `${this.who.role} (${this.who.server}): lock request for "${resource}" ${what}`, { details });
    throw new AgmedicError('SQL_ERROR', `${this.who.role} (${this.who.server}): sp_getapplock for "${resource}" ${what}`, { details });
  }

  async release(resource: string): Promise<void> {
    if (!this.held.has(resource) || !this.pool) return;
    const result = await this.run(this.pool, (r) =>
      r.input('Resource', sql.NVarChar(255), resource).input('LockOwner', sql.VarChar(32), 'Session').execute('sp_releaseapplock'),
    );
    this.held.delete(resource);
    if (result.returnValue !== 0) {
      throw new AgmedicError('SQL_ERROR', `${this.who.role} (${this.who.server}): sp_releaseapplock for "${resource}" returned ${String(result.returnValue)}`, {
        details: { role: this.who.role, server: this.who.server, resource, returnCode: result.returnValue },
      });
    }
  }

  /**
   * Proves the locks are still held before anything else is sent: the lock session must be the one
   * that took them (same connection generation) and must answer a round trip with the same session
   * id. A lost session (dropped connection, server restart) is replaced and every lock re-acquired
   * without waiting; when another session took one meanwhile, `LOCK_LOST` names the holder and
   * nothing is sent.
   *
   * @example
   * await locks.verify(signal, (text, params) => readOnStatementPool(text, params));
   */
  async verify(signal: AbortSignal | undefined, read: (text: string, params: BoundParam[]) => Promise<Record<string, unknown>[]>): Promise<void> {
    if (this.held.size === 0 || !this.pool) return;
    if (this.heldGeneration === this.generation) {
      try {
        const spid = Number((await this.run(this.pool, (r) => r.query('SELECT @@SPID AS spid'), signal)).recordset[0]?.spid);
        const first = this.held.values().next().value as LockResult;
        if (this.heldGeneration === this.generation && spid === first.sessionId) return;
      } catch (err) {
        if (isAgmedicError(err) && err.code === 'CANCELLED') throw err;
        // A failed round trip is a lost session: fall through and replace it.
      }
    }
    const lost = [...this.held.keys()];
    this.held.clear();
    // The pool's connection is dead or new: start from a fresh session (its end bumps the generation).
    const old = this.pool;
    this.pool = undefined;
    await old.close().catch(() => undefined);
    for (const resource of lost) {
      const opts = this.options.get(resource) ?? { timeoutMs: 0 };
      try {
        await this.acquire(resource, { ...opts, timeoutMs: 0, ...(signal ? { signal } : {}) });
      } catch (err) {
        if (!isAgmedicError(err) || err.code !== 'LOCK_HELD') throw err;
        const holder = await opts.describeHolder?.(read).catch(() => undefined);
        throw new AgmedicError(
          'LOCK_LOST',
          `${this.who.role} (${this.who.server}): the run lock "${resource}" was lost with its connection and is now held by ${holder ?? 'another session'}; nothing was sent after the reconnect — resume once that run has ended`,
          { details: { role: this.who.role, server: this.who.server, resource, ...(holder ? { holder } : {}) } },
        );
      }
    }
  }

  /** Ending the session releases every lock it owns; no explicit release needed. */
  async close(): Promise<void> {
    this.held.clear();
    this.options.clear();
    const pool = this.pool;
    this.pool = undefined;
    await pool?.close();
  }

  private async run<T>(pool: sql.ConnectionPool, send: (r: sql.Request) => Promise<T>, signal?: AbortSignal, timeoutMs?: number): Promise<T> {
    // An abort that came while connecting or reading @@SPID would never fire the listener below.
    if (signal?.aborted) throw new AgmedicError('CANCELLED', `${this.who.role} (${this.who.server}): lock request cancelled`, { details: { ...this.who } });
    const request = timeoutMs === undefined ? pool.request() : new (sql.Request as RequestCtor)(pool, { requestTimeout: timeoutMs });
    const onAbort = (): void => request.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await send(request);
    } catch (err) {
      throw toQueryError(err, this.who, this.secrets, signal?.aborted ?? false);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

/** What a pool reports about its connections' lives (from mssql's `beforeConnect`). */
export interface ConnectionHooks {
  opened(): void;
  ended(): void;
}

/** mssql 12 takes per-request overrides as a second argument; @types/mssql does not know it yet. */
export type RequestCtor = new (pool: sql.ConnectionPool, overrides?: { requestTimeout?: number }) => sql.Request;
