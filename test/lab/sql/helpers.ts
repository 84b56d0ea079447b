import type { BatchOutput, SessionContext, SqlEngine, SqlParam } from '../../../src/lab/engine-types.js';
import { ManualClock } from '../../../src/lab/model/clock.js';
import type { LabWorld } from '../../../src/lab/model/lab-world.js';
import { createLabWorld, loadScenario } from '../../../src/lab/scenarios/load-scenario.js';
import { createInstanceEngine } from '../../../src/lab/sql/create-instance-engine.js';

export interface Lab {
  world: LabWorld;
  clock: ManualClock;
  sql: SqlEngine;
  mi: SqlEngine;
}

export function lab(scenario: string): Lab {
  const clock = new ManualClock(Date.parse(loadScenario(scenario).world.start));
  const world = createLabWorld(scenario, { clock });
  return { world, clock, sql: createInstanceEngine(world, 'SQL01'), mi: createInstanceEngine(world, 'mi-lab') };
}

let nextSpid = 51;
export function session(database = 'master'): SessionContext {
  return { spid: nextSpid++, login: 'sa', hostName: 'test', appName: 'vitest', connectedAt: new Date(0), database, state: new Map() };
}

export async function run(engine: SqlEngine, text: string, opts: { session?: SessionContext; params?: SqlParam[]; kind?: 'batch' | 'rpc' } = {}): Promise<BatchOutput[]> {
  return engine.execute({ text, params: opts.params ?? [], kind: opts.kind ?? 'batch', session: opts.session ?? session(), signal: new AbortController().signal });
}

/** Rows of the n-th result set as objects keyed by column name. */
export function rowsOf(out: BatchOutput[], n = 0): Record<string, unknown>[] {
  const sets = out.filter((o): o is Extract<BatchOutput, { kind: 'resultSet' }> => o.kind === 'resultSet');
  const rs = sets[n];
  if (!rs) throw new Error(`no result set #${n}: ${JSON.stringify(out.filter((o) => o.kind === 'error'))}`);
  return rs.rows.map((r) => Object.fromEntries(rs.columns.map((c, i) => [c.name, r[i]])));
}

export function errorsOf(out: BatchOutput[]): number[] {
  return out.flatMap((o) => (o.kind === 'error' ? [o.number] : []));
}

export const ROLE_QUERY = `-- Execute on SQL Server and SQL Managed Instance
USE master
DECLARE @link_name varchar(max) = 'SalesLink'
SELECT
ag.name [Link name],
rs.role_desc [Link role]
FROM
sys.availability_groups ag
JOIN sys.dm_hadr_availability_replica_states rs
ON ag.group_id = rs.group_id
WHERE
rs.is_local = 1 AND ag.is_distributed = 1 AND ag.name = @link_name
GO`;

export const HEALTH_QUERY = `DECLARE @link_name varchar(max) = 'SalesLink'
SELECT
rs.synchronization_health_desc [Link sync health]
FROM
sys.availability_groups ag
join sys.dm_hadr_availability_replica_states rs
on ag.group_id = rs.group_id
WHERE
rs.is_local = 0 AND rs.role = 2 AND ag.is_distributed = 1 AND ag.name = @link_name
GO`;

export const SEEDING_QUERY = `SELECT
ag.local_database_name AS 'Local database name',
ar.current_state AS 'Current state',
ar.is_source AS 'Is source',
ag.internal_state_desc AS 'Internal state desc',
ag.database_size_bytes / 1024 / 1024 AS 'Database size MB',
ag.transferred_size_bytes / 1024 / 1024 AS 'Transferred MB',
ag.transfer_rate_bytes_per_second / 1024 / 1024 AS 'Transfer rate MB/s',
ag.total_disk_io_wait_time_ms / 1000 AS 'Total Disk IO wait (sec)',
ag.total_network_wait_time_ms / 1000 AS 'Total Network wait (sec)',
ag.is_compression_enabled AS 'Compression',
ag.start_time_utc AS 'Start time UTC',
ag.estimate_time_complete_utc as 'Estimated time complete UTC',
ar.completion_time AS 'Completion time',
ar.number_of_attempts AS 'Attempt No'
FROM sys.dm_hadr_physical_seeding_stats AS ag
INNER JOIN sys.dm_hadr_automatic_seeding AS ar
ON local_physical_seeding_id = operation_id`;

export const ESTIMATE_QUERY = `-- Estimated seeding completion time
SELECT DISTINCT CONVERT(VARCHAR(8), DATEADD(SECOND, DATEDIFF(SECOND, start_time_utc, estimate_time_complete_utc) ,0), 108) as 'Estimated complete time'
FROM sys.dm_hadr_physical_seeding_stats`;
