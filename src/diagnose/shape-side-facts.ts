/**
 * Rows of the fact queries → {@link SideFacts} for one link. Pure: the rows may come from any SQL
 * Server build (or the lab), so every value is coerced defensively (mssql returns bigint as a
 * string, LSNs as numeric, dates as Date).
 */
import { estimateSeeding, formatBytes } from './estimate-seeding.js';
import type { CertificateFacts, DatabaseFacts, LogBackupFacts, SeedingFacts, SideFacts, WaitFacts } from './types.js';

type Row = Record<string, unknown>;

export const num = (v: unknown): number => {
  if (typeof v === 'number') return Number.isFinite(v) ? v : 0;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : 0;
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  return 0;
};
export const str = (v: unknown): string => (v === null || v === undefined ? '' : v instanceof Date ? iso(v) : String(v));
export const bool = (v: unknown): boolean => v === true || v === 1 || v === '1' || v === 'true';
export function iso(v: unknown): string {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString();
  if (typeof v === 'string' && v !== '') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? '' : new Date(t).toISOString();
  }
  return '';
}
export const ms = (isoText: string): number => (isoText === '' ? Number.NaN : Date.parse(isoText));
/** Rounds for display and for CEL (keeps integers integral). */
export const round = (n: number, digits = 2): number => (Number.isFinite(n) ? Math.round(n * 10 ** digits) / 10 ** digits : 0);

const same = (a: unknown, b: string): boolean => str(a).toLowerCase() === b.toLowerCase();

/** A side nobody could look at (absent from the targets file, or unreachable). */
export function blankSide(target: string, present: boolean): SideFacts {
  return {
    target,
    present,
    reachable: false,
    errorCode: '',
    error: '',
    server: '',
    serverName: '',
    majorVersion: 0,
    nowUtc: '',
    linkPresent: false,
    linkRole: '',
    health: '',
    remoteRole: '',
    remoteConnectedState: '',
    remoteLastConnectError: 0,
    remoteLastConnectErrorText: '',
    databases: [],
    localLastHardenedLsn: '',
    localEndOfLogLsn: '',
    localLastCommitTime: '',
    localSyncState: '',
    maxLogSendQueueKb: 0,
    maxRedoQueueKb: 0,
    cert: { present: false, endpoint: '', name: '', expiry: '', daysLeft: 0, expired: false, renewExpiry: '' },
    seeding: blankSeeding(),
    waits: { sampled: false, sampleSeconds: 0, transportMsPerSec: 0, databaseMsPerSec: 0, syncCommitMsPerSec: 0, transportTasksDelta: 0, databaseTasksDelta: 0 },
    gates: { transport: 0, database: 0 },
    logReuseWait: [],
    linkDatabaseLogReuseWait: '',
    logBackupsDuringSeeding: { count: 0, lastName: '', lastStart: '' },
  };
}

function blankSeeding(): SeedingFacts {
  return {
    present: false, active: false, failed: false, database: '', currentState: '', internalState: '', isSource: false, sizeBytes: 0,
    transferredBytes: 0, rateBytesPerSec: 0, startTime: '', attempts: 0, errorCode: 0, failureState: '', percent: 0, elapsedHours: 0,
    remainingHours: 0, projectedTotalHours: 0, estimate: '',
  };
}

/** Flow-control gates in messages [MON]: SQL Server 2022 (major 16+) and the managed instance raise them. */
export function gatesFor(majorVersion: number, isManagedInstance: boolean): { transport: number; database: number } {
  return majorVersion >= 16 || isManagedInstance ? { transport: 16384, database: 7168 } : { transport: 8192, database: 1792 };
}

export interface SnapshotRows {
  server: Row[];
  roles: Row[];
  remote: Row[];
  databases: Row[];
  cert: Row[];
  seeding: Row[];
  logReuse: Row[];
  waits: Row[];
}

/** The link names a side knows (distributed availability groups with a local replica). */
export function linksOf(rows: Pick<SnapshotRows, 'roles'>): string[] {
  return [...new Set(rows.roles.map((r) => str(r.link)).filter(Boolean))];
}

function databaseFacts(r: Row): DatabaseFacts {
  return {
    name: str(r.dbname),
    isLocal: bool(r.is_local),
    isPrimaryReplica: bool(r.is_primary_replica),
    syncState: str(r.sync_state),
    syncHealth: str(r.sync_health),
    suspended: bool(r.is_suspended),
    logSendQueueKb: num(r.log_send_queue_size),
    logSendRateKbps: num(r.log_send_rate),
    redoQueueKb: num(r.redo_queue_size),
    redoRateKbps: num(r.redo_rate),
    lastHardenedLsn: str(r.last_hardened_lsn),
    endOfLogLsn: str(r.end_of_log_lsn),
    lastCommitTime: iso(r.last_commit_time),
    secondaryLagSeconds: num(r.secondary_lag_seconds),
  };
}

function certFacts(rows: Row[], nowMs: number): CertificateFacts {
  const r = rows[0];
  const renewExpiry = Number.isNaN(nowMs) ? '' : new Date(nowMs + 365 * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
  if (!r) return { present: false, endpoint: '', name: '', expiry: '', daysLeft: 0, expired: false, renewExpiry };
  const expiry = iso(r.expiry_date);
  const daysLeft = expiry === '' || Number.isNaN(nowMs) ? 0 : round((ms(expiry) - nowMs) / 86_400_000, 1);
  return { present: true, endpoint: str(r.endpoint_name), name: str(r.cert_name), expiry, daysLeft, expired: expiry !== '' && ms(expiry) <= nowMs, renewExpiry };
}

/** Seeding of `link` from this side: the newest operation, with its ETA from the live transfer rate. */
export function seedingFacts(rows: Row[], link: string, nowMs: number): SeedingFacts {
  const r = rows.find((x) => same(x.link, link));
  if (!r) return blankSeeding();
  const state = str(r.current_state).toUpperCase();
  const internal = str(r.internal_state_desc);
  const failed = state === 'FAILED' || internal.toLowerCase() === 'failed';
  const active = !failed && (state === 'SEEDING' || (internal !== '' && !/^(completed|success|failed)$/i.test(internal) && r.completion_time == null));
  const size = num(r.database_size_bytes);
  const transferred = num(r.transferred_size_bytes);
  const rate = num(r.transfer_rate_bytes_per_second);
  const startTime = iso(r.start_time_utc) || iso(r.start_time);
  const elapsedHours = startTime === '' || Number.isNaN(nowMs) ? 0 : Math.max(0, (nowMs - ms(startTime)) / 3_600_000);
  const left = Math.max(0, size - transferred);
  const remainingHours = !active ? 0 : left === 0 ? 0 : rate > 0 ? left / rate / 3600 : -1;
  return {
    present: true,
    active,
    failed,
    database: str(r.local_database_name),
    currentState: state,
    internalState: internal,
    isSource: bool(r.is_source),
    sizeBytes: size,
    transferredBytes: transferred,
    rateBytesPerSec: rate,
    startTime,
    attempts: num(r.number_of_attempts),
    errorCode: num(r.error_code) || num(r.failure_code),
    failureState: str(r.failure_state_desc),
    percent: size > 0 ? round((transferred / size) * 100, 1) : 0,
    elapsedHours: round(elapsedHours, 2),
    remainingHours: remainingHours < 0 ? -1 : round(remainingHours, 2),
    projectedTotalHours: remainingHours < 0 ? -1 : round(elapsedHours + remainingHours, 2),
    estimate: !active
      ? ''
      : rate > 0
        ? `left: ${estimateSeeding({ sizeBytes: left, bytesPerSecond: rate, elapsedHours }).summary}`
        : `stalled: ${formatBytes(left)} left and nothing transferred now (seeding waits for the connection)`,
  };
}

/** wait_time_ms growth per second between two snapshots of {@link Q_WAITS}. */
export function waitFacts(first: Row[] | undefined, second: Row[] | undefined, seconds: number): WaitFacts {
  const blank: WaitFacts = { sampled: false, sampleSeconds: 0, transportMsPerSec: 0, databaseMsPerSec: 0, syncCommitMsPerSec: 0, transportTasksDelta: 0, databaseTasksDelta: 0 };
  if (!first || !second || !(seconds > 0)) return blank;
  const delta = (type: string, col: string): number => {
    const a = first.find((r) => same(r.wait_type, type));
    const b = second.find((r) => same(r.wait_type, type));
    // A counter that went down means the stats were cleared (DBCC SQLPERF) or the server restarted.
    return a && b ? Math.max(0, num(b[col]) - num(a[col])) : 0;
  };
  return {
    sampled: true,
    sampleSeconds: round(seconds, 3),
    transportMsPerSec: round(delta('HADR_TRANSPORT_FLOW_CONTROL', 'wait_time_ms') / seconds, 1),
    databaseMsPerSec: round(delta('DBMIRROR_SEND', 'wait_time_ms') / seconds, 1),
    syncCommitMsPerSec: round(delta('HADR_SYNC_COMMIT', 'wait_time_ms') / seconds, 1),
    transportTasksDelta: delta('HADR_TRANSPORT_FLOW_CONTROL', 'waiting_tasks_count'),
    databaseTasksDelta: delta('DBMIRROR_SEND', 'waiting_tasks_count'),
  };
}

export function logBackupFacts(rows: Row[]): LogBackupFacts {
  const last = rows[0];
  return { count: rows.length, lastName: str(last?.name), lastStart: iso(last?.backup_start_date) };
}

/**
 * The facts of one side for one link from its snapshot. `kind` says which side this is (the MI
 * reports major version 12 but runs the newest engine, so its gates are the raised ones).
 */
export function shapeSideFacts(target: string, server: string, kind: 'sqlserver' | 'mi', rows: SnapshotRows, link: string): SideFacts {
  const side = blankSide(target, true);
  side.reachable = true;
  side.server = server;
  const srv = rows.server[0] ?? {};
  side.serverName = str(srv.server_name);
  side.majorVersion = num(srv.major_version);
  side.nowUtc = iso(srv.now_utc);
  const nowMs = ms(side.nowUtc);
  side.gates = gatesFor(side.majorVersion, kind === 'mi');

  const role = rows.roles.find((r) => same(r.link, link));
  side.linkPresent = role !== undefined;
  side.linkRole = str(role?.role).toUpperCase();
  // The documented health query: remote replica with role 2 (SECONDARY), seen only from a primary.
  const remote = rows.remote.find((r) => same(r.link, link) && same(r.role, 'SECONDARY')) ?? rows.remote.find((r) => same(r.link, link));
  side.health = str(remote?.health).toUpperCase();
  side.remoteRole = str(remote?.role).toUpperCase();
  side.remoteConnectedState = str(remote?.connected_state).toUpperCase();
  side.remoteLastConnectError = num(remote?.error_number);
  side.remoteLastConnectErrorText = str(remote?.error_description);

  side.databases = rows.databases.filter((r) => same(r.link, link)).map(databaseFacts);
  const local = side.databases.find((d) => d.isLocal);
  side.localLastHardenedLsn = local?.lastHardenedLsn ?? '';
  side.localEndOfLogLsn = local?.endOfLogLsn ?? '';
  side.localLastCommitTime = local?.lastCommitTime ?? '';
  side.localSyncState = local?.syncState ?? '';
  side.maxLogSendQueueKb = Math.max(0, ...side.databases.map((d) => d.logSendQueueKb));
  side.maxRedoQueueKb = Math.max(0, ...side.databases.map((d) => d.redoQueueKb));
  side.cert = certFacts(rows.cert, nowMs);
  side.seeding = seedingFacts(rows.seeding, link, nowMs);
  side.logReuseWait = rows.logReuse.map((r) => ({ database: str(r.dbname), wait: str(r.log_reuse_wait_desc) }));
  const linkDb = side.databases[0]?.name ?? side.seeding.database;
  side.linkDatabaseLogReuseWait = side.logReuseWait.find((w) => same(w.database, linkDb))?.wait ?? '';
  return side;
}
