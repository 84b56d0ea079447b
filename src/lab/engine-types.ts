/**
 * The seam between the lab's TDS server (src/lab/tds) and the simulated instance behind it
 * (src/lab/model + src/lab/sql). The TDS layer decodes requests into {@link SqlRequest}s and encodes
 * {@link BatchOutput}s into tokens; it knows nothing of availability groups. The instance knows
 * nothing of packets.
 */

/** SQL Server types the lab sends and receives (TYPE_INFO on the wire). */
export type SqlTypeName =
  | 'bit'
  | 'tinyint'
  | 'smallint'
  | 'int'
  | 'bigint'
  | 'float'
  | 'decimal'
  | 'numeric'
  | 'real'
  | 'char'
  | 'nchar'
  | 'binary'
  | 'nvarchar'
  | 'varchar'
  | 'varbinary'
  | 'datetime'
  | 'datetime2'
  | 'datetimeoffset'
  | 'uniqueidentifier'
  | 'sql_variant';

export interface SqlType {
  name: SqlTypeName;
  /** nvarchar/varchar/varbinary: max length in characters/bytes; 'max' for (MAX). */
  length?: number | 'max';
  precision?: number;
  scale?: number;
}

export interface ColumnDef {
  name: string;
  type: SqlType;
  nullable?: boolean;
}

/**
 * Values in rows and parameters: null, boolean (bit), number (int types within 2^53, float, decimal),
 * bigint (bigint), string (character types, uniqueidentifier), Date (date/time types, UTC),
 * Uint8Array (varbinary).
 */
export type SqlValue = null | boolean | number | bigint | string | Date | Uint8Array;

export interface SqlParam {
  /** Without the leading @. */
  name: string;
  type: SqlType;
  value: SqlValue;
  output?: boolean;
}

export interface SqlRequest {
  /** The statement text: a SQL_BATCH's text, or sp_executesql's @statement. */
  text: string;
  /** Bound parameters (sp_executesql), empty for a batch. */
  params: SqlParam[];
  kind: 'batch' | 'rpc';
  session: SessionContext;
  /** Aborted when the client sends ATTENTION or the connection closes. */
  signal: AbortSignal;
}

/** Per-connection state the instance may read and change (USE, SET, session locks, temp state). */
export interface SessionContext {
  readonly spid: number;
  readonly login: string;
  readonly hostName: string;
  readonly appName: string;
  readonly connectedAt: Date;
  /** Current database; USE changes it (the TDS layer sends ENVCHANGE when it changes). */
  database: string;
  /** Free-form per-session state owned by the instance (variables, applocks, open transaction). */
  state: Map<string, unknown>;
}

export type BatchOutput =
  | { kind: 'resultSet'; columns: ColumnDef[]; rows: SqlValue[][] }
  /** End of a statement without a result set, e.g. rowsAffected for DML; DDL sends it without a count. */
  | { kind: 'done'; rowCount?: number }
  | { kind: 'error'; number: number; state: number; class: number; message: string; line?: number }
  | { kind: 'info'; number: number; state: number; class: number; message: string; line?: number }
  | { kind: 'returnStatus'; value: number }
  | { kind: 'database'; name: string };

/** What the TDS layer needs from the instance it serves. */
export interface SqlEngine {
  /** Server name as in @@SERVERNAME; used in ERROR/INFO tokens. */
  readonly serverName: string;
  /** Checks a SQL login; false → the TDS layer answers error 18456. */
  authenticate(login: string, password: string): boolean;
  /** Default database for a login. */
  defaultDatabase(login: string): string;
  /** Whether `name` is a database the login may USE at login time (else error 4060). */
  hasDatabase(name: string): boolean;
  execute(request: SqlRequest): Promise<BatchOutput[]>;
  /** Called once when a connection ends (releases session-owned applocks, etc.). */
  closeSession(session: SessionContext): void;
}
