import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { TokenCredential } from '@azure/identity';
import sql from 'mssql';
import { AgmedicError } from '../errors.js';
import { Secret } from '../ports/secret.js';
import type { BoundParam, LockOptions, LockResult, QueryOptions, QueryResult, SqlTarget, TargetConfig } from '../ports/sql-target.js';
import { toConnectError, toQueryError, type TargetIdentity } from './mssql-errors.js';
import { LockSession, type ConnectionHooks, type RequestCtor } from './mssql-lock.js';
import { toDriverParam } from './mssql-params.js';

export interface OpenSqlTargetOptions {
  /** Connections in the statement pool, 1–4 (default 2); the lock connection comes on top. */
  poolMax?: number;
  /** Shown in sys.dm_exec_sessions.program_name. Default `agmedic`. */
  appName?: string;
}

/** Builds the driver config; `secret` is revealed here and nowhere else. */
function driverConfig(config: TargetConfig, credential: Secret | TokenCredential, ca: string | undefined, poolMax: number, appName: string): sql.config {
  const options: sql.config['options'] = {
    // mssql passes `options` through to tedious, which understands 'strict' (TDS 8.0).
    encrypt: config.encrypt as boolean,
    trustServerCertificate: config.trustServerCertificate,
    appName,
    ...(ca === undefined ? {} : { cryptoCredentialsDetails: { ca } }),
  };
  const base: sql.config = {
    server: config.server,
    port: config.port,
    connectionTimeout: config.connectTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    options,
    pool: { max: poolMax, min: 0, idleTimeoutMillis: 60_000 },
    ...(config.database === undefined ? {} : { database: config.database }),
  };
  const { auth } = config;
  if (auth.type === 'entra') {
    if (Secret.isSecret(credential)) throw new AgmedicError('INTERNAL', `target ${config.role} uses Entra ID but was given a password`);
    return { ...base, authentication: { type: 'token-credential', options: { credential } } as sql.config['authentication'] };
  }
  if (!Secret.isSecret(credential)) throw new AgmedicError('INTERNAL', `target ${config.role} uses ${auth.type} but was given a token credential`);
  if (auth.type === 'ntlm') {
    return { ...base, authentication: { type: 'ntlm', options: { domain: auth.domain, userName: auth.user, password: credential.reveal() } } };
  }
  return { ...base, authentication: { type: 'default', options: { userName: auth.user, password: credential.reveal() } } };
}

async function readCa(config: TargetConfig, who: TargetIdentity): Promise<string | undefined> {
  if (config.caFile === undefined) return undefined;
  try {
    return await readFile(config.caFile, 'utf8');
  } catch (err) {
    throw new AgmedicError('CONNECT_FAILED', `${who.role} (${who.server}): cannot read caFile ${config.caFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      details: { role: who.role, server: who.server, caFile: config.caFile },
    });
  }
}

/**
 * Connects to one target of the targets file and returns it as a {@link SqlTarget}. Statements run
 * on a small pool; application locks on a dedicated connection of their own. Failures are
 * `LOGIN_FAILED` or `CONNECT_FAILED` naming the role, server and the driver's reason — never the password.
 *
 * @example
 * const target = await openSqlTarget('sqlserver', config.targets.sqlserver, Secret.fromEnv('SQL_PASSWORD'));
 * const { rows } = await target.query('SELECT @@SERVERNAME AS name', [], {});
 * await target.close();
 */
export async function openSqlTarget(role: string, config: TargetConfig, credential: Secret | TokenCredential, opts: OpenSqlTargetOptions = {}): Promise<SqlTarget> {
  const who: TargetIdentity = { role, server: `${config.server},${config.port}` };
  const poolMax = Math.min(4, Math.max(1, opts.poolMax ?? 2));
  const ca = await readCa(config, who);
  const secrets = Secret.isSecret(credential) ? [credential.reveal()] : [];
  const connect = async (max: number, min: number, hooks?: ConnectionHooks): Promise<sql.ConnectionPool> => {
    const cfg = driverConfig(config, credential, ca, max, opts.appName ?? 'agmedic');
    cfg.pool = { ...cfg.pool, max, min };
    if (hooks) {
      // Every connection's birth and death: a lock lives exactly as long as its session.
      cfg.beforeConnect = (conn) => {
        hooks.opened();
        conn.once('end', () => hooks.ended());
      };
    }
    const pool = new sql.ConnectionPool(cfg);
    // Without a listener a late socket error on an idle connection would crash the process.
    pool.on('error', () => undefined);
    try {
      return await pool.connect();
    } catch (err) {
      await pool.close().catch(() => undefined);
      throw toConnectError(err, who, secrets);
    }
  };
  let target: MssqlTarget | undefined;
  // An ended connection is what precedes every reconnect (a drop, a restart, an idle recycle); a
  // connection opened only to grow the pool says nothing about the lock session.
  const statementHooks: ConnectionHooks = { opened: () => undefined, ended: () => target?.connectionEvent() };
  const pool = await connect(poolMax, 0, statementHooks);
  target = new MssqlTarget(who, pool, new LockSession(who, (hooks) => connect(1, 1, hooks), secrets), secrets);
  return target;
}

/**
 * While a lock is held and no connection event was seen, its session is still proven alive this
 * often (one round trip): a fallback for a connection that died without the client noticing. Drops
 * and reconnects are caught by the connection events themselves, before the next statement.
 */
const LOCK_RECHECK_MS = 30_000;

class MssqlTarget implements SqlTarget {
  readonly role: string;
  readonly server: string;
  private closed = false;
  /** A connection of this target ended or was (re)opened since the lock was last proven held. */
  private suspect = false;
  private lockProvenAt = 0;
  private proving: Promise<void> | undefined;

  constructor(
    private readonly who: TargetIdentity,
    private readonly pool: sql.ConnectionPool,
    private readonly locks: LockSession,
    private readonly secrets: readonly string[],
  ) {
    this.role = who.role;
    this.server = who.server;
  }

  describe(): string {
    return `${this.role} (${this.server})`;
  }

  /** A statement connection ended (a reconnect will follow): prove the lock before the next statement. */
  connectionEvent(): void {
    this.suspect = true;
  }

  async query(text: string, params: BoundParam[], opts: QueryOptions): Promise<QueryResult> {
    this.assertOpen();
    const { signal } = opts;
    if (signal?.aborted) throw new AgmedicError('CANCELLED', `${this.describe()}: statement cancelled before it was sent`, { details: { ...this.who } });
    await this.proveLock(signal);
    return this.send(text, params, opts);
  }

  /**
   * Nothing is sent on a target whose lock might have gone with a dropped session until the lock is
   * proven held (or re-acquired): after any connection event, and at least every 30 s.
   */
  private async proveLock(signal: AbortSignal | undefined): Promise<void> {
    if (!this.locks.holding) return;
    if (!this.suspect && performance.now() - this.lockProvenAt < LOCK_RECHECK_MS) return;
    // Concurrent statements share one proof.
    this.proving ??= (async () => {
      try {
        this.suspect = false;
        await this.locks.verify(signal, async (text, params) => (await this.send(text, params, signal ? { signal } : {})).rows);
        this.lockProvenAt = performance.now();
      } finally {
        this.proving = undefined;
      }
    })();
    await this.proving;
  }

  private async send(text: string, params: BoundParam[], opts: QueryOptions): Promise<QueryResult> {
    const { signal } = opts;
    const request = opts.timeoutMs === undefined ? this.pool.request() : new (sql.Request as RequestCtor)(this.pool, { requestTimeout: opts.timeoutMs });
    for (const p of params) {
      const { type, value } = toDriverParam(p);
      request.input(p.name, type, value);
    }
    // cancel() sends a TDS attention: the server stops the statement and the connection stays usable.
    const onAbort = (): void => request.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    const started = performance.now();
    try {
      const result = await request.query(text);
      const recordsets = ((result.recordsets ?? []) as unknown as Record<string, unknown>[][]).map((rs) => Array.from(rs));
      return {
        recordsets,
        rows: recordsets.at(-1) ?? [],
        rowsAffected: [...result.rowsAffected],
        durationMs: performance.now() - started,
      };
    } catch (err) {
      throw toQueryError(err, this.who, this.secrets, signal?.aborted ?? false);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  acquireLock(resource: string, opts: LockOptions): Promise<LockResult> {
    this.assertOpen();
    return this.locks.acquire(resource, opts);
  }

  releaseLock(resource: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.locks.release(resource);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([this.locks.close(), this.pool.close()]);
  }

  private assertOpen(): void {
    if (this.closed) throw new AgmedicError('INTERNAL', `${this.describe()} is closed`);
  }
}
