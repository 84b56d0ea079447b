import type { SessionContext, SqlType, SqlValue } from '../engine-types.js';
import type { LabWorld } from '../model/lab-world.js';
import type { InstanceState } from '../model/types.js';

export type Row = Record<string, SqlValue>;

export interface ViewContext {
  world: LabWorld;
  inst: InstanceState;
  now: number;
  /** The session's current database, for views scoped to it (sys.dm_db_log_space_usage). */
  database?: string;
}

/** A catalog view or DMV: SQL Server's exact column names and types, and how to compute its rows. */
export interface ViewDef {
  /** Canonical name, lower case: 'sys.databases', 'msdb.dbo.backupset'. */
  name: string;
  columns: readonly (readonly [string, SqlType])[];
  rows(ctx: ViewContext): Row[];
  /** Rows change without a model version bump (live sessions): never served from the cache. */
  volatile?: boolean;
  /** Rows describe the session's current database: recomputed for every statement. */
  currentDatabase?: boolean;
  /** A session's temporary table or table variable (temp-store.ts): never cached across sessions. */
  temp?: boolean;
}

/** Everything a statement handler may touch. */
export interface ExecContext {
  world: LabWorld;
  inst: InstanceState;
  session: SessionContext;
  /** Batch-scoped variables (DECLARE), by lower-case name without @. */
  vars: Map<string, { type: SqlType; value: SqlValue }>;
  /** Parameters bound by the client (sp_executesql), by lower-case name without @. */
  bound: Map<string, SqlValue>;
  signal: AbortSignal;
}

export const T = {
  int: { name: 'int' } as SqlType,
  bigint: { name: 'bigint' } as SqlType,
  smallint: { name: 'smallint' } as SqlType,
  tinyint: { name: 'tinyint' } as SqlType,
  bit: { name: 'bit' } as SqlType,
  float: { name: 'float' } as SqlType,
  uid: { name: 'uniqueidentifier' } as SqlType,
  datetime: { name: 'datetime' } as SqlType,
  datetime2: { name: 'datetime2', scale: 7 } as SqlType,
  lsn: { name: 'decimal', precision: 25, scale: 0 } as SqlType,
  variant: { name: 'sql_variant' } as SqlType,
  nv: (length: number | 'max'): SqlType => ({ name: 'nvarchar', length }),
  vb: (length: number | 'max'): SqlType => ({ name: 'varbinary', length }),
};
