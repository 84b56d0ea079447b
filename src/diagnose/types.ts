/**
 * The shapes of diagnose: facts gathered from one pair of targets (SQL Server + managed instance),
 * the rules (data, from runbooks/rules/*.yaml) and the findings they yield.
 *
 * Facts are plain JSON-like values with every key always present (empty string, 0, false or an
 * empty list when unknown), so rule conditions never trip over a missing key.
 */
import type { SourceFile, SourceRange } from '../errors.js';

export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type FindingSeverity = (typeof SEVERITIES)[number];

/** Higher is worse; used for sorting and the exit code. */
export const SEVERITY_RANK: Record<FindingSeverity, number> = { info: 0, warning: 1, critical: 2 };

/** One database row of sys.dm_hadr_database_replica_states for a link. */
export interface DatabaseFacts {
  name: string;
  isLocal: boolean;
  isPrimaryReplica: boolean;
  syncState: string;
  syncHealth: string;
  suspended: boolean;
  /** KB, as the DMV reports them. */
  logSendQueueKb: number;
  logSendRateKbps: number;
  redoQueueKb: number;
  redoRateKbps: number;
  lastHardenedLsn: string;
  endOfLogLsn: string;
  /** ISO 8601, '' when unknown. */
  lastCommitTime: string;
  secondaryLagSeconds: number;
}

export interface CertificateFacts {
  present: boolean;
  endpoint: string;
  name: string;
  /** ISO 8601. */
  expiry: string;
  /** Days from the server's own clock to expiry; negative once expired. */
  daysLeft: number;
  expired: boolean;
  /** A suggested EXPIRY_DATE for a replacement (yyyymmdd, one year from the server's today). */
  renewExpiry: string;
}

export interface SeedingFacts {
  /** A seeding operation is known for this link on this side (running, failed or just finished). */
  present: boolean;
  /** current_state is SEEDING (or the physical transfer runs). */
  active: boolean;
  failed: boolean;
  database: string;
  currentState: string;
  internalState: string;
  isSource: boolean;
  sizeBytes: number;
  transferredBytes: number;
  rateBytesPerSec: number;
  /** ISO 8601. */
  startTime: string;
  attempts: number;
  errorCode: number;
  failureState: string;
  percent: number;
  elapsedHours: number;
  /** Hours still needed at the current rate; -1 when the rate is 0 (stalled). */
  remainingHours: number;
  /** elapsed + remaining: what the 6-day (144 h) link creation limit is compared with; -1 when stalled. */
  projectedTotalHours: number;
  /** The estimate in words (the same one `agmedic estimate-seeding` prints); '' when not seeding. */
  estimate: string;
}

export interface WaitFacts {
  /** Both snapshots were taken; false when only one (or none) could be read. */
  sampled: boolean;
  sampleSeconds: number;
  /** Growth of wait_time_ms per second of the sample. */
  transportMsPerSec: number;
  databaseMsPerSec: number;
  syncCommitMsPerSec: number;
  transportTasksDelta: number;
  databaseTasksDelta: number;
}

export interface LogBackupFacts {
  /** Log backups (msdb.dbo.backupset type 'L') of the link's database taken since seeding started. */
  count: number;
  lastName: string;
  /** ISO 8601. */
  lastStart: string;
}

/** What one side (one target) of a pair shows. */
export interface SideFacts {
  /** The targets file's role, e.g. `sqlserver` or `mi-3`; '' when the pair has no such side. */
  target: string;
  present: boolean;
  reachable: boolean;
  /** Error code and the driver's reason when unreachable or when a fact query failed. */
  errorCode: string;
  error: string;
  server: string;
  serverName: string;
  majorVersion: number;
  /** The server's own clock (UTC, ISO 8601): expiry and ETA are computed against it, not ours. */
  nowUtc: string;
  linkPresent: boolean;
  /** Role of the local replica of the link: PRIMARY, SECONDARY, RESOLVING, '' when absent. */
  linkRole: string;
  /** The documented health query (remote replica, role 2) — only a primary has a row. */
  health: string;
  remoteRole: string;
  remoteConnectedState: string;
  remoteLastConnectError: number;
  remoteLastConnectErrorText: string;
  databases: DatabaseFacts[];
  /** The local copy of the link's (first) database: what split brain compares across sides. */
  localLastHardenedLsn: string;
  localEndOfLogLsn: string;
  localLastCommitTime: string;
  localSyncState: string;
  /** Worst-case queue sizes over the link's databases (KB). */
  maxLogSendQueueKb: number;
  maxRedoQueueKb: number;
  cert: CertificateFacts;
  seeding: SeedingFacts;
  waits: WaitFacts;
  /** Flow-control gates (messages) for this build [MON]. */
  gates: { transport: number; database: number };
  logReuseWait: Array<{ database: string; wait: string }>;
  /** log_reuse_wait_desc of the link's database ('' when unknown). */
  linkDatabaseLogReuseWait: string;
  logBackupsDuringSeeding: LogBackupFacts;
}

export interface ArmFacts {
  /** The target has Azure coordinates. */
  configured: boolean;
  available: boolean;
  errorCode: string;
  error: string;
  replicaState: string;
  /** Every database's replicaState. */
  replicaStates: string[];
  seedingProgress: string;
  synchronizationHealth: string;
  connectedState: string;
  mostRecentLinkError: number;
  mostRecentLinkErrorText: string;
  instanceLinkRole: string;
  partnerLinkRole: string;
  replicationMode: string;
  partnerCertName: string;
  partnerCertExpiry: string;
  partnerCertDaysLeft: number;
}

/** Everything a rule sees as `facts`. */
export interface PairFacts {
  /** Pair id from the targets file ('' for the plain sqlserver/mi pair). */
  pair: string;
  /** The link (distributed availability group) name; '' when no side could tell. */
  link: string;
  /** The link's database (first one), '' when unknown. */
  database: string;
  /** Shown in runbook command lines (`-t …`). */
  targetsFile: string;
  sqlserver: SideFacts;
  mi: SideFacts;
  arm: ArmFacts;
  /** Link error numbers that are current: the link is down or failed with them right now. */
  linkErrors: number[];
  /** Every link error number seen, current or historical. */
  seenLinkErrors: number[];
  /** Convenience: the side holding PRIMARY ('' when none or both). */
  primary: string;
  /** The documented health query's answer from the primary ('' with no single primary). */
  health: string;
  /** The sending side's flow-control picture (the primary's waits and queues). */
  flowControl: FlowControlFacts;
  /** Seeding as the source side reports it (else whichever side reports it), with the side's name. */
  seeding: SeedingFacts & { side: string };
  /** Log backups of the seeded database taken on the source since seeding started. */
  logBackupsDuringSeeding: LogBackupFacts;
  /** 144: link creation is cancelled after 6 days [TS]. */
  seedingLimitHours: number;
}

export interface FlowControlFacts {
  /** `sqlserver` or `mi`: the primary, which is where the gates are. '' with no single primary. */
  side: string;
  sampled: boolean;
  sampleSeconds: number;
  transportMsPerSec: number;
  databaseMsPerSec: number;
  logSendQueueKb: number;
  logSendRateKbps: number;
  redoQueueKb: number;
  transportGate: number;
  databaseGate: number;
}

/**
 * A parameter value in a rule's runbook call: a CEL expression, a deliberate operator choice among
 * values, or a value only the operator can give (`ask`: a new certificate's name, say) — never invented.
 */
export type RuleParam =
  | { kind: 'cel'; expr: string; path: readonly (string | number)[] }
  | { kind: 'choose'; values: string[] }
  | { kind: 'ask'; hint: string };

export interface RuleText {
  text: string;
  path: readonly (string | number)[];
}

export interface Rule {
  id: string;
  severity: FindingSeverity;
  title: RuleText;
  when: { expr: string; path: readonly (string | number)[] };
  evidence: Array<{ label: string; expr: string; path: readonly (string | number)[] }>;
  explanation: RuleText;
  next?: RuleText;
  runbook?: { name: string; params: Record<string, RuleParam> };
  /** Rule ids whose findings on the same pair this one explains; they are shown at `info`. */
  supersedes: string[];
  references: string[];
  /** Where the rule came from (for messages). */
  source: SourceFile;
  /** Source range of a node of this rule (path relative to the rule; [] = the rule itself). */
  locate(path?: readonly (string | number)[]): SourceRange;
}

export interface RunbookCall {
  runbook: string;
  /** Known values; a parameter still to be given shows as `<name>` or `<a|b>`. */
  params: Record<string, string>;
  /**
   * Ready to paste: `agmedic run split-brain-recovery -t targets.yaml -p link=SalesLink …` — only when
   * every parameter is known (no placeholder, nothing invented), so a printed command is always runnable.
   */
  command?: string;
  /** Parameters the operator still has to choose or give, with what they mean. */
  missing: Array<{ name: string; hint: string }>;
}

export interface Finding {
  rule: string;
  severity: FindingSeverity;
  /** The severity the rule gives, before supersession. */
  ruleSeverity: FindingSeverity;
  pair: string;
  link: string;
  title: string;
  explanation: string;
  evidence: Record<string, unknown>;
  next?: string;
  runbook?: RunbookCall;
  /** The rule whose finding explains this one (then `severity` is info). */
  explainedBy?: string;
}

export interface PairReport {
  pair: string;
  link: string;
  targets: { sqlserver: string; mi: string };
  facts: PairFacts;
  findings: Finding[];
  /** Worst finding severity ('info' when none). */
  worst: FindingSeverity;
  /** Milliseconds spent gathering, excluding the sampling wait. */
  gatherMs: number;
}
