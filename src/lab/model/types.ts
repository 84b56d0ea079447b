/**
 * The lab's state model: one {@link LabWorld} (see lab-world.ts) holds both simulated instances and the
 * Managed Instance link between them. The DMVs (src/lab/sql) and the ARM emulator (src/lab/arm) are two
 * views over these records, so a change made through one is seen through the other.
 */

/** Injected time source (ms since epoch); tests use {@link ManualClock}. */
export interface Clock {
  now(): number;
}

export type InstanceKind = 'sqlserver' | 'mi';
export type ReplicaRole = 'PRIMARY' | 'SECONDARY' | 'RESOLVING';
export type AvailabilityMode = 'SYNCHRONOUS_COMMIT' | 'ASYNCHRONOUS_COMMIT';

export interface Certificate {
  name: string;
  certificateId: number;
  subject: string;
  startDate: number;
  expiryDate: number;
  thumbprint: Uint8Array;
  /** 'MK' when protected by the database master key, 'PW' by a password; 'NA' for a public-key-only import. */
  pvtKeyEncryptionType: 'MK' | 'PW' | 'NA';
  /** What CERTENCODED returns; partners trust a certificate by this blob. */
  publicKey: Uint8Array;
}

export interface MirroringEndpoint {
  name: string;
  endpointId: number;
  port: number;
  certificateId: number;
}

export interface TrustCertificate {
  name: string;
  publicKey: Uint8Array;
  thumbprint: Uint8Array;
}

export interface DatabaseState {
  name: string;
  databaseId: number;
  recoveryModel: 'FULL' | 'SIMPLE';
  logReuseWaitDesc: string;
  stateDesc: 'ONLINE' | 'RESTORING';
  createDate: number;
  sizeBytes: number;
}

export interface ConfigEntry {
  configurationId: number;
  name: string;
  value: number;
  valueInUse: number;
  minimum: number;
  maximum: number;
  description: string;
  isDynamic: boolean;
  isAdvanced: boolean;
}

export interface WaitStat {
  waitType: string;
  waitingTasksCount: number;
  waitTimeMs: number;
  maxWaitTimeMs: number;
  signalWaitTimeMs: number;
}

export interface BackupRow {
  backupSetId: number;
  databaseName: string;
  type: 'D' | 'I' | 'L';
  startDate: number;
  finishDate: number;
  firstLsn: bigint;
  lastLsn: bigint;
  isCopyOnly: boolean;
  userName: string;
  /** The job or tool that took the backup (e.g. LSBackup_Sales), as SQL Agent jobs name it. */
  name: string;
  description: string;
  deviceName: string;
  /** backup_set_uuid / media_family_id. */
  uuid: string;
  /** WITH CHECKSUM. */
  checksum: boolean;
}

/** A local (non-distributed) availability group with its single local replica. */
export interface LocalAg {
  name: string;
  groupId: string;
  replicaId: string;
  replicaServerName: string;
  endpointUrl: string;
  availabilityMode: AvailabilityMode;
  failoverMode: 'AUTOMATIC' | 'MANUAL';
  seedingMode: 'AUTOMATIC' | 'MANUAL';
  sessionTimeout: number;
  clusterType: 'WSFC' | 'NONE' | 'EXTERNAL';
}

export interface ActiveTransaction {
  transactionId: number;
  name: string;
  beginTime: number;
  sessionId: number;
  databaseId: number;
  logBytesUsed: number;
}

export interface LiveSession {
  spid: number;
  login: string;
  hostName: string;
  appName: string;
  connectedAt: number;
  database: string;
  /** Statement currently executing, for sys.dm_exec_requests. */
  running?: { startedAt: number; command: string; waitType: string | null };
}

export interface AppLock {
  resource: string;
  database: string;
  mode: 'Shared' | 'Update' | 'IntentShared' | 'IntentExclusive' | 'Exclusive';
  ownerSpid: number;
  count: number;
}

/** A planned fault: the next statement on `instance` matching `pattern` fails with `errorNumber`. */
export interface FailNextRule {
  instance: string;
  pattern: RegExp;
  errorNumber: number;
  message?: string;
}

export interface InstanceState {
  name: string;
  kind: InstanceKind;
  fqdn: string;
  /** @@VERSION text. */
  versionText: string;
  /** SERVERPROPERTY('ProductVersion'). */
  productVersion: string;
  edition: string;
  majorVersion: number;
  up: boolean;
  startedAt: number;
  /** Trace flags set at startup (-T): the only way TF 12310, 1800 and 9567 take effect [MON]. */
  traceFlags: number[];
  /** Trace flags turned on globally with DBCC TRACEON (…, -1) since the instance started. */
  runtimeTraceFlags: number[];
  /** master has a database master key (##MS_DatabaseMasterKey##); CREATE CERTIFICATE without a password needs it. */
  hasMasterKey: boolean;
  logins: Map<string, string>;
  databases: DatabaseState[];
  localAgs: LocalAg[];
  certificates: Certificate[];
  endpoint: MirroringEndpoint;
  /** MI only: partner certificates uploaded through ARM (serverTrustCertificates). */
  trustCertificates: TrustCertificate[];
  configurations: ConfigEntry[];
  waits: Map<string, WaitStat>;
  backups: BackupRow[];
  activeTransactions: ActiveTransaction[];
  sessions: Map<number, LiveSession>;
  appLocks: AppLock[];
  /** Bytes of log generated per second by the application workload while this side is primary. */
  workloadBytesPerSec: number;
}

/** One side of the link: the instance, its AG (the DAG's replica) and its copy of the database's log. */
export interface LinkSide {
  instance: string;
  agName: string;
  replicaId: string;
  endpointUrl: string;
  role: ReplicaRole;
  /** This side's view of both DAG replicas' availability modes, keyed by AG name (each side is configured separately). */
  modes: Record<string, AvailabilityMode>;
  sessionTimeout: number;
  /** Log positions in bytes; LSNs are derived from these (see lsn.ts). */
  logEnd: number;
  hardened: number;
  redone: number;
  lastCommitTime: number;
  lastCommitPos: number;
  isSuspended: boolean;
  lastConnectError: { number: number; description: string; at: number } | null;
}

export interface SeedingState {
  operationId: string;
  localSeedingId: string;
  startTime: number;
  completionTime: number | null;
  databaseSizeBytes: number;
  transferredBytes: number;
  rateBytesPerSec: number;
  attempts: number;
  currentState: 'SEEDING' | 'COMPLETED' | 'FAILED';
  /** Log position the seeded copy starts from; a log backup past it breaks the join. */
  basePos: number;
  logBackupDuringSeeding: boolean;
  failureCode: number | null;
  failureDesc: string | null;
  diskIoWaitMs: number;
  networkWaitMs: number;
}

export interface LinkError {
  number: number;
  message: string;
  at: number;
}

export interface LinkState {
  dagName: string;
  groupId: string;
  databaseName: string;
  groupDatabaseId: string;
  sides: [LinkSide, LinkSide];
  /** Network throughput available to the link, bytes per second. */
  bandwidthBytesPerSec: number;
  /** How fast the secondary redoes hardened log, bytes per second. */
  redoBytesPerSec: number;
  partitioned: boolean;
  seeding: SeedingState | null;
  /** Sticky error that keeps the link down until it is dropped and recreated (LinkCreationError). */
  creationError: LinkError | null;
  mostRecentError: LinkError | null;
  failoverMode: 'None' | 'Manual';
  seedingMode: 'Automatic' | 'Manual';
  /** Log position where the sides' logs diverged after a forced failover; null when they agree. */
  forkPos: number | null;
}

export interface LabEvent {
  at: number;
  instance: string | null;
  kind: string;
  message: string;
}

export interface StatementLogEntry {
  at: number;
  instance: string;
  spid: number;
  text: string;
  params: { name: string; value: unknown }[];
  outcome: { ok: true; rowCount?: number } | { ok: false; number: number; message: string };
}
