/**
 * The runtime's view of one SQL Server (or managed instance) endpoint. Implemented in
 * adapters/mssql-target.ts over the `mssql` driver; the runtime never sees the driver.
 */
import type { AzureTargetConfig } from './azure-link.js';

/** `true`/`false` as in TDS 7.4 (encrypt after prelogin); `'strict'` is TDS 8.0 (TLS first). */
export type EncryptMode = boolean | 'strict';

export type EntraCredentialKind = 'default' | 'azure-cli' | 'managed-identity' | 'environment';

export interface SqlAuthConfig {
  type: 'sql';
  user: string;
  /** Name of the environment variable holding the password; the value is read only at connect time. */
  passwordEnv: string;
}

export interface EntraAuthConfig {
  type: 'entra';
  credential: EntraCredentialKind;
  /** A user-assigned managed identity's client id. */
  clientId?: string;
}

export interface NtlmAuthConfig {
  type: 'ntlm';
  domain: string;
  user: string;
  passwordEnv: string;
}

export type AuthConfig = SqlAuthConfig | EntraAuthConfig | NtlmAuthConfig;
export type PasswordAuthConfig = SqlAuthConfig | NtlmAuthConfig;

/** One role of the targets file, resolved: defaults applied, paths absolute, no secrets. */
export interface TargetConfig {
  /** The key under `targets:`, e.g. `sqlserver`. */
  role: string;
  server: string;
  port: number;
  database?: string;
  encrypt: EncryptMode;
  trustServerCertificate: boolean;
  /** Absolute path of a PEM CA bundle for the server's certificate. */
  caFile?: string;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  auth: AuthConfig;
  /** The managed instance behind this role in Azure Resource Manager, when it is one. */
  azure?: AzureTargetConfig;
}

/** SQL types a parameter may be bound as; when absent, the adapter infers one from the value. */
export type SqlParamType = 'nvarchar' | 'int' | 'bigint' | 'bit' | 'float' | 'datetime2' | 'decimal' | 'varbinary';

/** A value bound to `@name` in a statement; values are never spliced into the text. */
export interface BoundParam {
  /** Without the leading `@`. */
  name: string;
  value: string | number | boolean | bigint | Date | Uint8Array | null;
  type?: SqlParamType;
}

export interface QueryOptions {
  /** Aborting sends a TDS attention: the server stops the statement and the target stays usable. */
  signal?: AbortSignal;
  /** Overrides the target's request timeout for this statement. */
  timeoutMs?: number;
}

export interface QueryResult {
  recordsets: Array<Record<string, unknown>[]>;
  /** The last recordset (empty when the batch returned none). */
  rows: Record<string, unknown>[];
  rowsAffected: number[];
  durationMs: number;
}

/** What SQL Server said when a statement failed; carried as `details.sqlError` of a `SQL_ERROR`. */
export interface SqlError {
  number: number;
  class: number;
  state: number;
  message: string;
  lineNumber: number;
}

/** A granted application lock: `sp_getapplock` answered 0 (at once) or 1 (after waiting). */
export interface LockResult {
  resource: string;
  returnCode: 0 | 1;
  /** The server session that owns the lock for as long as the target stays open. */
  sessionId: number;
  acquiredAt: Date;
}

export interface LockOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /**
   * Who holds the lock now, in words, for the `LOCK_LOST` message when the lock went with its
   * session (a dropped connection) and another session took it before it could be re-acquired.
   * `read` runs a read-only statement without the lock check (which would fail again).
   */
  describeHolder?: (read: (text: string, params: BoundParam[]) => Promise<Record<string, unknown>[]>) => Promise<string | undefined>;
}

/**
 * One open connection target.
 *
 * @example
 * const rows = (await target.query('SELECT name FROM sys.availability_groups WHERE name = @link',
 *   [{ name: 'link', value: 'SalesLink' }], {})).rows;
 * await target.acquireLock('agmedic:SalesLink', { timeoutMs: 0 }); // LOCK_HELD when another run has it
 */
export interface SqlTarget {
  /** The targets file's role name, e.g. `sqlserver` or `mi`. */
  readonly role: string;
  /** `host,port` as a SQL Server client would write it. */
  readonly server: string;
  /** For messages and the audit log: `sqlserver (127.0.0.1,11433)`; never credentials. */
  describe(): string;
  /**
   * Rejects with `SQL_ERROR` (details.sqlError), `CANCELLED`, `STEP_TIMEOUT` or `CONNECT_FAILED`.
   * While this target holds a lock, nothing is sent after a reconnect until the lock is held again:
   * `LOCK_LOST` (nothing sent) when another session took it meanwhile.
   */
  query(text: string, params: BoundParam[], opts: QueryOptions): Promise<QueryResult>;
  /**
   * Exclusive, session-owned; rejects with `LOCK_HELD` on timeout. Idempotent while held. The
   * resource is compared as given: callers normalise it (run-lock.ts `lockResource`).
   */
  acquireLock(resource: string, opts: LockOptions): Promise<LockResult>;
  /** A lock this target does not hold is a no-op. */
  releaseLock(resource: string): Promise<void>;
  /** Closes every connection; session-owned locks end with their session. */
  close(): Promise<void>;
}
