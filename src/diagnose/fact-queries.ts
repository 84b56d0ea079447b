/**
 * The read-only T-SQL diagnose sends. Every statement is a SELECT over the catalog views and DMVs the
 * troubleshooting article [TS] and the monitoring article [MON] name; values are bound parameters.
 * They run as one batch (one round trip, one consistent-enough snapshot); when the batch fails,
 * each statement is retried on its own so one missing view costs one fact, not all of them.
 */

/** Server clock and build: certificate expiry and seeding ETA are judged by the server's clock. */
export const Q_SERVER = `SELECT SYSUTCDATETIME() AS now_utc, @@SERVERNAME AS server_name,
  SERVERPROPERTY('ProductMajorVersion') AS major_version, SERVERPROPERTY('ProductVersion') AS product_version`;

/** Local replica of every distributed availability group (the link role query of [TS], all links). */
export const Q_LINK_ROLES = `SELECT ag.name AS link, rs.role_desc AS role
FROM sys.availability_groups ag
JOIN sys.dm_hadr_availability_replica_states rs ON ag.group_id = rs.group_id
WHERE rs.is_local = 1 AND ag.is_distributed = 1`;

/** Remote replicas as a primary sees them: the health query of [TS] plus connection state and last error. */
export const Q_LINK_REMOTE = `SELECT ag.name AS link, rs.role_desc AS role, rs.synchronization_health_desc AS health,
  rs.connected_state_desc AS connected_state, rs.last_connect_error_number AS error_number,
  rs.last_connect_error_description AS error_description
FROM sys.availability_groups ag
JOIN sys.dm_hadr_availability_replica_states rs ON ag.group_id = rs.group_id
WHERE rs.is_local = 0 AND ag.is_distributed = 1`;

/** Per database of each link: synchronization, queues (KB), rates (KB/s), LSNs [MON]. */
export const Q_DATABASES = `SELECT ag.name AS link, dbs.name AS dbname, drs.is_local, drs.is_primary_replica,
  drs.synchronization_state_desc AS sync_state, drs.synchronization_health_desc AS sync_health, drs.is_suspended,
  drs.log_send_queue_size, drs.log_send_rate, drs.redo_queue_size, drs.redo_rate,
  drs.last_hardened_lsn, drs.end_of_log_lsn, drs.last_commit_time, drs.secondary_lag_seconds
FROM sys.dm_hadr_database_replica_states drs
JOIN sys.availability_groups ag ON drs.group_id = ag.group_id
JOIN sys.databases dbs ON dbs.database_id = drs.database_id
WHERE ag.is_distributed = 1`;

/** The database mirroring endpoint's certificate and its expiry [CFG]. */
export const Q_ENDPOINT_CERT = `SELECT e.name AS endpoint_name, c.name AS cert_name, c.expiry_date
FROM sys.database_mirroring_endpoints e
JOIN sys.certificates c ON e.certificate_id = c.certificate_id`;

/** Automatic seeding of the links with the physical transfer's statistics, newest first [TS]. */
export const Q_SEEDING = `SELECT ag.name AS link, a.start_time, a.completion_time, a.current_state, a.is_source,
  a.error_code, a.failure_state_desc, a.number_of_attempts,
  s.local_database_name, s.internal_state_desc, s.database_size_bytes, s.transferred_size_bytes,
  s.transfer_rate_bytes_per_second, s.start_time_utc, s.failure_code
FROM sys.dm_hadr_automatic_seeding a
JOIN sys.availability_groups ag ON a.ag_id = ag.group_id
LEFT JOIN sys.dm_hadr_physical_seeding_stats s ON s.local_physical_seeding_id = a.operation_id
WHERE ag.is_distributed = 1
ORDER BY a.start_time DESC`;

/** Why each user database's log cannot be reused (truncated). */
export const Q_LOG_REUSE = `SELECT dbs.name AS dbname, dbs.log_reuse_wait_desc
FROM sys.databases dbs
WHERE dbs.database_id > 4`;

/** The wait types that tell the two flow-control gates apart [MON]; sampled twice for deltas. */
export const Q_WAITS = `SELECT wait_type, waiting_tasks_count, wait_time_ms
FROM sys.dm_os_wait_stats
WHERE wait_type IN ('HADR_TRANSPORT_FLOW_CONTROL', 'DBMIRROR_SEND', 'HADR_SYNC_COMMIT')`;

/** Log backups of a database since a point in time (seeding start): they break seeding [TS]. */
export const Q_LOG_BACKUPS_SINCE = `SELECT b.database_name, b.name, b.backup_start_date
FROM msdb.dbo.backupset b
WHERE b.type = 'L' AND b.database_name = @database AND b.backup_start_date >= @since
ORDER BY b.backup_start_date DESC`;

/** The snapshot batch, in the order its result sets come back. */
export const SNAPSHOT_QUERIES = [
  ['server', Q_SERVER],
  ['roles', Q_LINK_ROLES],
  ['remote', Q_LINK_REMOTE],
  ['databases', Q_DATABASES],
  ['cert', Q_ENDPOINT_CERT],
  ['seeding', Q_SEEDING],
  ['logReuse', Q_LOG_REUSE],
  ['waits', Q_WAITS],
] as const;

export type SnapshotKey = (typeof SNAPSHOT_QUERIES)[number][0];

export const SNAPSHOT_BATCH = SNAPSHOT_QUERIES.map(([, q]) => `${q};`).join('\n');
