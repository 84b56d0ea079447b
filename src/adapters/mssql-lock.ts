import sql from 'mssql';
import { AgmedicError } from '../errors.js';
import type { LockOptions, LockResult } from '../ports/sql-target.js';
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

  constructor(
    private readonly who: TargetIdentity,
    private readonly openPool: () => Promise<sql.ConnectionPool>,
    private readonly secrets: readonly string[],
  ) {}

  async acquire(resource: string, opts: LockOptions): Promise<LockResult> {
    const existing = this.held.get(resource);
    // Calling sp_getapplock again would stack a second hold needing a second release.
    if (existing) return existing;
    this.pool ??= await this.openPool();
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

  /** Ending the session releases every lock it owns; no explicit release needed. */
  async close(): Promise<void> {
    this.held.clear();
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

/** mssql 12 takes per-request overrides as a second argument; @types/mssql does not know it yet. */
export type RequestCtor = new (pool: sql.ConnectionPool, overrides?: { requestTimeout?: number }) => sql.Request;
