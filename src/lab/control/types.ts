/**
 * The lab as a whole (see start-lab.ts): per pair one world, two TDS servers and one ARM emulator,
 * plus the control surface tests and `agmedic lab fault` use to inspect state and inject faults.
 */
import type { ArmRequestRecord } from '../arm/types.js';
import type { LinkView } from '../model/link-api.js';
import type { LabWorld } from '../model/lab-world.js';
import type { Clock, ReplicaRole } from '../model/types.js';
import type { LabCertificate } from '../tds/generate-lab-certificate.js';

export type LabTlsMode = 'off' | 'strict';

/** Which instance of a pair: its kind, or its server name (`SQL01`, `mi-lab`, or the MI's FQDN). */
export type LabInstanceRef = 'sqlserver' | 'mi' | (string & {});

export interface StartLabOptions {
  /**
   * The lab's certificate, already made for `localhost` and `127.0.0.1` (generateLabCertificate
   * with labCertificateHosts()): `lab up` makes it on its main thread while the lab's thread loads.
   * Ignored when {@link host} is another name, which needs its own. Default: made here.
   */
  certificate?: Promise<LabCertificate>;
  /** Scenario of every pair without an entry in {@link scenarios}. Default `healthy`. */
  scenario?: string;
  /** Scenario per pair (index = pair); shorter than `pairs` → the rest use {@link scenario}. */
  scenarios?: readonly string[];
  /** Independent links on consecutive port triples. Default 1, at most 100. */
  pairs?: number;
  /**
   * Pair i listens on basePort+3i (SQL Server), +1 (managed instance), +2 (ARM). 0 (the default
   * here; the CLI defaults to 11433) = ephemeral ports, which tests should use.
   */
  basePort?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The `sa` password on every instance. Default `agmedic-lab`. */
  password?: string;
  /** Simulated seconds per real second, from each scenario's start time. Default 1. Ignored with {@link clock}. */
  speed?: number;
  /** Injected clock shared by every pair (tests: a ManualClock). */
  clock?: Clock;
  /** `strict` = TDS 8.0 (TLS first) with the lab's generated certificate. Default `off`. */
  tls?: LabTlsMode;
  /** Every statement of every instance is appended here as one JSON line ({@link LabStatement}). */
  statementLogFile?: string;
  /**
   * Every request to every ARM emulator is appended here as one JSON line (method, path, apiVersion,
   * status, body, errorCode, time; never headers), so tests count Azure calls as they count statements.
   */
  armRequestLogFile?: string;
  /**
   * How long each ARM long-running operation (PUT, PATCH, DELETE, failover, setRole, trust certificates)
   * stays in progress, in the lab's (simulated) seconds; Azure's take seconds to minutes. Default 0:
   * done by the next request.
   */
  armOpSeconds?: number;
  /** Whether a 202 also carries `Azure-AsyncOperation` (default true); false: `Location` only, as the spec declares. */
  armAsyncOperationHeader?: boolean;
  /** The managed instance's update policy (ARM `databaseFormat`). Default `SQLServer2022`. */
  databaseFormat?: 'AlwaysUpToDate' | 'SQLServer2022' | 'SQLServer2025';
  /** Write the targets file (and the CA file next to it) here at start. */
  targetsOut?: string;
  /** Bearer token the ARM emulators require. Default: random. */
  armToken?: string;
  /** Start the loopback control server (`agmedic lab fault`). Default false. */
  control?: boolean;
  /** Port of the control server. Default 0 (ephemeral). */
  controlPort?: number;
  /** Token of the control server. Default: random. */
  controlToken?: string;
}

export interface LabTdsEndpoint {
  host: string;
  port: number;
  /** @@SERVERNAME: `SQL01` or `mi-lab`. */
  serverName: string;
  /** `SQL01.lab.local` or `mi-lab.lab.database.windows.net`. */
  fqdn: string;
}

export interface LabArmEndpoint {
  /** `https://127.0.0.1:P+2`: `@azure/arm-sql`'s `endpoint`. */
  url: string;
  port: number;
  subscriptionId: string;
  resourceGroup: string;
  /** The managed instance's ARM name (`mi-lab`). */
  instance: string;
  /** Requests the emulator served, oldest first (the most recent 1000). */
  readonly requests: readonly ArmRequestRecord[];
}

/** Fixed names of every pair (the same in each pair: pairs differ by port). */
export interface LabNames {
  login: 'sa';
  link: 'SalesLink';
  database: 'Sales';
  sqlAg: 'AG_Sales';
  miAg: 'AG_Sales_MI';
  sqlserver: 'SQL01';
  sqlserverFqdn: string;
  mi: 'mi-lab';
  miFqdn: 'mi-lab.lab.database.windows.net';
  subscriptionId: string;
  resourceGroup: string;
  /** ARM name of the managed instance. */
  instance: string;
}

/** What the roles, links and instances of one pair look like right now. */
export interface LabPairState {
  pair: number;
  scenario: string;
  /** Simulated time, ISO 8601. */
  now: string;
  instances: {
    name: string;
    kind: 'sqlserver' | 'mi';
    up: boolean;
    /** The instance's role in the link, or null when the link is not on it. */
    role: ReplicaRole | null;
    connections: number;
    refusing: boolean;
    statementDelayMs: number;
  }[];
  /** The ARM view of the link from the managed instance, when it exists there. */
  link: LinkView | null;
  partitioned: boolean;
}

/** One statement an instance received; also the JSON line format of the statement log file. */
export interface LabStatement {
  /** The pair, from 1 (as in `lab fault --pair` and the targets file's `sqlserver-2` / `mi-2`). */
  pair: number;
  instance: string;
  /** Simulated time, ISO 8601. */
  time: string;
  spid: number;
  text: string;
  /** Values made JSON-safe: bigint → string, bytes → `0x…` hex, dates → ISO. */
  params: { name: string; value: unknown }[];
  outcome: { ok: true; rowCount?: number } | { ok: false; number: number; message: string };
}

/** A fault, as the control server and `agmedic lab fault` carry it. */
export type LabFault =
  | { kind: 'drop-connections'; instance: LabInstanceRef }
  | { kind: 'refuse-connections'; instance: LabInstanceRef; on: boolean }
  | { kind: 'delay-statements'; instance: LabInstanceRef; ms: number }
  /** `pattern` is a case-insensitive regular expression over the statement text. */
  | { kind: 'fail-next'; instance: LabInstanceRef; pattern: string; errorNumber: number; message?: string }
  | { kind: 'restart'; instance: LabInstanceRef }
  | { kind: 'partition'; on: boolean }
  /** The simulated application's log generation on the instance, bytes/s while it is primary (0 = stopped). */
  | { kind: 'workload'; instance: LabInstanceRef; bytesPerSec: number }
  /**
   * What New-/Remove-AzSqlInstanceServerTrustCertificate do to the managed instance: `on` adds trust
   * certificate `name` holding the public key of SQL Server's certificate `certificate` (default: `name`).
   */
  | { kind: 'trust-certificate'; name: string; on: boolean; certificate?: string }
  /** Re-creates the link after it was dropped on both sides; `dropMiDatabase` removes the old copy on the MI first. */
  | { kind: 'recreate-link'; dropMiDatabase: boolean };

export const LAB_FAULT_KINDS = [
  'drop-connections',
  'refuse-connections',
  'delay-statements',
  'fail-next',
  'restart',
  'partition',
  'workload',
  'trust-certificate',
  'recreate-link',
] as const;

/** State inspection and fault injection for one pair. */
export interface LabPairControl {
  state(): LabPairState;
  /** `PRIMARY`/`SECONDARY`/`RESOLVING` per instance (null: the link is not on it). */
  roles(): { sqlserver: ReplicaRole | null; mi: ReplicaRole | null };
  /** ARM view of the link from the managed instance. */
  linkView(): LinkView | null;
  /** Resets every open connection of the instance (clients see ECONNRESET). */
  dropConnections(instance: LabInstanceRef): void;
  /** While on, new connections to the instance are closed right after accept. */
  refuseConnections(instance: LabInstanceRef, on: boolean): void;
  /** Delays every statement on the instance by `ms` (0 = off); ATTENTION still cancels. */
  delayStatements(instance: LabInstanceRef, ms: number): void;
  /** The next statement on the instance matching `pattern` fails with `errorNumber` (once). */
  failNext(instance: LabInstanceRef, pattern: string | RegExp, errorNumber: number, message?: string): void;
  /** Takes the instance down for 30 simulated seconds (and drops its connections). */
  restartInstance(instance: LabInstanceRef): void;
  /** Cuts (true) or restores (false) the network between the two instances. */
  partitionLink(on: boolean): void;
  /** Sets the simulated application's log generation on the instance (0 stops it). */
  setWorkload(instance: LabInstanceRef, bytesPerSec: number): void;
  /** Adds (on) or removes a server trust certificate of the managed instance. */
  trustCertificate(name: string, on: boolean, certificate?: string): void;
  /** Re-creates a link dropped on both sides. */
  recreateLink(dropMiDatabase: boolean): void;
  /** Applies a {@link LabFault} (what the control server does). */
  apply(fault: LabFault): void;
}

export interface LabPair {
  /** 0-based. */
  index: number;
  scenario: string;
  /**
   * Target role names of this pair in {@link Lab.targetsYaml}: `sqlserver`/`mi` for pair 0,
   * `sqlserver-<i+1>`/`mi-<i+1>` for the others.
   */
  roles: { sqlserver: string; mi: string };
  sqlserver: LabTdsEndpoint;
  mi: LabTdsEndpoint;
  arm: LabArmEndpoint;
  world: LabWorld;
  control: LabPairControl;
}

export interface TargetsYamlOptions {
  /**
   * Folder the CA file is referred to in (`caFile: <dir>/agmedic-lab-ca.pem`); the file itself is
   * written only by {@link Lab.writeTargets}. Default: relative `agmedic-lab-ca.pem`.
   */
  caDir?: string;
  /** Only these pairs (indices). Default: all. */
  pairs?: readonly number[];
}

export interface Lab {
  readonly pairs: readonly LabPair[];
  /** Pair 0's endpoints and control, for the common single-pair case. */
  readonly sqlserver: LabTdsEndpoint;
  readonly mi: LabTdsEndpoint;
  readonly arm: LabArmEndpoint;
  readonly control: LabPairControl;
  readonly world: LabWorld;
  readonly names: LabNames;
  readonly host: string;
  readonly login: 'sa';
  readonly password: string;
  readonly tls: LabTlsMode;
  /** Bearer token of every ARM emulator. */
  readonly armToken: string;
  /** PEM of the lab CA that signed the TDS (strict) and ARM certificates. */
  readonly ca: string;
  /** Pair 0's clock (shared by all when injected). */
  readonly clock: Clock;
  /** Env var names the targets file refers to. */
  readonly env: { password: 'AGMEDIC_LAB_PASSWORD'; armToken: 'AGMEDIC_LAB_ARM_TOKEN' };
  /** The loopback control server, when started. */
  readonly controlServer: { url: string; token: string } | null;
  /** Every statement of every pair, oldest first. */
  statementLog(): LabStatement[];
  /** A targets file for the runtime (src/runtime/targets), every secret through an env var. */
  targetsYaml(options?: TargetsYamlOptions): string;
  /** Writes the targets file and, next to it, the CA file; returns the paths written. */
  writeTargets(file: string): { targets: string; ca: string };
  /** Milliseconds from the call to startLab until every listener accepted. */
  readonly startupMs: number;
  close(): Promise<void>;
}
