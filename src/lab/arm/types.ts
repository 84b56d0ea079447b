/**
 * The ARM emulator's port: what it needs from whatever holds the lab's state. The emulator owns HTTP,
 * auth, api-versions and long-running operations; an {@link ArmLinkBackend} owns the link records and
 * the rules for changing them. The lab's state model plugs in here (create-world-arm-backend.ts);
 * the emulator's own tests use a double of this port (test/lab/arm/memory-backend.ts).
 */
import { AgmedicError } from '../../errors.js';

/**
 * Api-versions with the old shape (spec-shapes.json "legacy"): `@azure/arm-sql` 10 sends the first;
 * 2022-08-01-preview adds setRole and a read-only `instanceRole` ("legacy+instanceRole").
 */
export const LEGACY_API_VERSIONS = ['2021-11-01-preview', '2022-08-01-preview'] as const;
/**
 * Api-versions with the newer shape (databases[], roles, failover and setRole); 2025-08-01-preview
 * adds `linkMode` ("current+linkMode").
 */
export const CURRENT_API_VERSIONS = ['2023-08-01', '2025-01-01', '2025-02-01-preview', '2025-08-01-preview'] as const;
export type ArmApiVersion = (typeof LEGACY_API_VERSIONS)[number] | (typeof CURRENT_API_VERSIONS)[number];
/** Every api-version the Azure REST spec defines for the link, oldest first. */
export const ARM_API_VERSIONS: readonly ArmApiVersion[] = [...LEGACY_API_VERSIONS, ...CURRENT_API_VERSIONS];

/** The managed instance's update policy (ARM `properties.databaseFormat`). */
export type DatabaseFormat = 'AlwaysUpToDate' | 'SQLServer2022' | 'SQLServer2025';

/** The managed instance resource as the emulator shows it (a few of its properties). */
export interface ArmInstanceState {
  name: string;
  fullyQualifiedDomainName: string;
  databaseFormat: DatabaseFormat;
  state: 'Ready';
}

/** One `serverTrustCertificates` entry: a partner certificate the managed instance trusts. */
export interface ArmTrustCertificate {
  certificateName: string;
  /** `0x…` hex of the certificate's public part, as uploaded. */
  publicBlob: string;
  /** Upper-case hex SHA-1 of the public blob. */
  thumbprint: string;
}

/**
 * What the emulator needs of the managed instance itself: its resource and its trust store.
 * The world model implements it, so an uploaded certificate changes whether the link connects.
 */
export interface ArmInstanceBackend {
  getInstance(mi: string): Promise<ArmInstanceState | undefined>;
  listTrustCertificates(mi: string): Promise<ArmTrustCertificate[]>;
  getTrustCertificate(mi: string, name: string): Promise<ArmTrustCertificate | undefined>;
  putTrustCertificate(mi: string, name: string, publicBlob: Uint8Array): Promise<ArmTrustCertificate>;
  /** False when there was nothing to delete. */
  deleteTrustCertificate(mi: string, name: string): Promise<boolean>;
}

export type LinkRole = 'Primary' | 'Secondary';
export type ReplicationMode = 'Async' | 'Sync';
export type FailoverMode = 'None' | 'Manual';
export type SeedingMode = 'Automatic' | 'Manual';
export type FailoverType = 'Planned' | 'ForcedAllowDataLoss';
export type RoleChangeType = 'Planned' | 'Forced';

/** One database of the link as ARM shows it (2023-08-01 and later); times are ISO 8601 strings. */
export interface ArmLinkDatabase {
  databaseName: string;
  instanceReplicaId?: string;
  partnerReplicaId?: string;
  /** Free text: CreatingLink, Seeding, Catchup, LinkSynchronizing, LinkFailoverInProgress, …Error. */
  replicaState: string;
  /** e.g. "80%" while seeding. */
  seedingProgress?: string;
  synchronizationHealth: 'NOT_HEALTHY' | 'PARTIALLY_HEALTHY' | 'HEALTHY';
  connectedState: 'DISCONNECTED' | 'CONNECTED';
  lastReceivedLsn?: string;
  lastReceivedTime?: string;
  lastSentLsn?: string;
  lastSentTime?: string;
  lastCommitLsn?: string;
  lastCommitTime?: string;
  lastHardenedLsn?: string;
  lastHardenedTime?: string;
  lastBackupLsn?: string;
  lastBackupTime?: string;
  mostRecentLinkError?: string;
  partnerAuthCertValidity?: { certificateName: string; expiryDate: string };
  instanceSendReplicationLagSeconds?: number;
  instanceRedoReplicationLagSeconds?: number;
}

/**
 * Everything the link resource shows in every api-version; the emulator projects it per request.
 * "Instance" is the managed instance, "partner" is SQL Server.
 */
export interface ArmLinkState {
  /** The distributed availability group's name, also the resource name. */
  name: string;
  distributedAvailabilityGroupId: string;
  replicationMode: ReplicationMode;
  // --- 2023-08-01 and later ---
  partnerLinkRole: LinkRole;
  partnerAvailabilityGroupName: string;
  partnerEndpoint: string;
  instanceLinkRole: LinkRole;
  instanceAvailabilityGroupName: string;
  failoverMode: FailoverMode;
  seedingMode: SeedingMode;
  databases: ArmLinkDatabase[];
  // --- 2021-11-01-preview / 2022-08-01-preview only ---
  targetDatabase: string;
  sourceEndpoint: string;
  primaryAvailabilityGroupName: string;
  secondaryAvailabilityGroupName: string;
  sourceReplicaId?: string;
  targetReplicaId?: string;
  linkState?: string;
  lastHardenedLsn?: string;
}

/** What a PUT asks for, in the newer vocabulary; the emulator maps the old api-versions' names onto it. */
export interface ArmLinkInput {
  partnerAvailabilityGroupName: string;
  partnerEndpoint: string;
  instanceAvailabilityGroupName: string;
  databases: string[];
  replicationMode: ReplicationMode;
  instanceLinkRole: LinkRole;
  failoverMode: FailoverMode;
  seedingMode: SeedingMode;
}

/** What a PATCH may change. */
export interface ArmLinkPatch {
  replicationMode?: ReplicationMode;
  failoverMode?: FailoverMode;
  seedingMode?: SeedingMode;
}

/**
 * The port. Names are compared case-insensitively by implementations, as ARM does. Every method
 * rejects with {@link ArmBackendError} when the change is not allowed; the emulator turns that into
 * the ARM error response (or a failed long-running operation).
 *
 * @example
 * const backend: ArmLinkBackend = {
 *   listLinks: async (mi) => world.links(mi).map(toArmLinkState),
 *   getLink: async (mi, dag) => world.link(mi, dag) && toArmLinkState(world.link(mi, dag)),
 *   failover: async (mi, dag, type) => {
 *     if (!world.canFailOver(mi, dag, type)) throw new ArmBackendError(409, 'LinkFailoverNotAllowed', '…');
 *     return toArmLinkState(world.failOver(mi, dag, type));
 *   },
 *   // … createOrUpdate, update, delete, setRole likewise
 * };
 */
export interface ArmLinkBackend {
  listLinks(mi: string): Promise<ArmLinkState[]>;
  getLink(mi: string, dag: string): Promise<ArmLinkState | undefined>;
  createOrUpdate(mi: string, dag: string, input: ArmLinkInput): Promise<ArmLinkState>;
  update(mi: string, dag: string, patch: ArmLinkPatch): Promise<ArmLinkState>;
  delete(mi: string, dag: string): Promise<void>;
  failover(mi: string, dag: string, failoverType: FailoverType): Promise<ArmLinkState>;
  setRole(mi: string, dag: string, instanceRole: LinkRole, roleChangeType: RoleChangeType): Promise<ArmLinkState>;
}

/**
 * A refusal by the backend, carried to the client as an ARM error: `status` is the HTTP status,
 * `armCode` the `error.code` of the body. Its agmedic code is always `LAB_ARM`.
 *
 * @example
 * throw new ArmBackendError(409, 'LinkFailoverNotAllowed', 'the managed instance is already primary');
 */
export class ArmBackendError extends AgmedicError {
  constructor(
    readonly status: number,
    readonly armCode: string,
    message: string,
  ) {
    super('LAB_ARM', message, { details: { status, armCode } });
    this.name = 'ArmBackendError';
  }
}

/** Injected time source (ms since epoch); structurally the same as the lab model's clock. */
export interface ArmClock {
  now(): number;
}

export interface ArmEmulatorOptions {
  backend: ArmLinkBackend;
  /** The managed instance resource and its `serverTrustCertificates`; without it those routes answer 404. */
  instance?: ArmInstanceBackend;
  /** Appends every request record as a JSON line here (the lab's ARM request log). */
  requestLogFile?: string;
  /**
   * Whether a 202 also carries `Azure-AsyncOperation`. Default true (the SQL resource provider sends
   * it); false sends only `Location`, all the spec declares (`final-state-via: location`).
   */
  asyncOperationHeader?: boolean;
  /** The bearer token every request must carry. */
  token: string;
  tls: { key: string; cert: string };
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Default `00000000-0000-0000-0000-000000000000`. */
  subscriptionId?: string;
  /** Default `agmedic-lab`. */
  resourceGroup?: string;
  /** Default `mi-lab`. */
  managedInstance?: string;
  /** Azure region named in operation URLs. Default `westeurope`. */
  location?: string;
  /** How long a long-running operation stays in progress, in clock time. Default 0: done on the next request. */
  operationDelayMs?: number;
  /** Links per list page before a `nextLink`. Default 100. */
  pageSize?: number;
  clock?: ArmClock;
}

/** One request as the emulator saw it; headers (and so the token) are never recorded. */
export interface ArmRequestRecord {
  method: string;
  /** The URL path, without the query. */
  path: string;
  apiVersion: string | undefined;
  status: number;
  /** The parsed JSON request body, if any. */
  body: unknown;
  /** `error.code` of the response, when it was an error. */
  errorCode?: string;
  /** Clock time the request arrived. */
  at: number;
}

export interface ArmEmulator {
  readonly port: number;
  /** e.g. `https://127.0.0.1:53211`: the client's `endpoint`. */
  readonly url: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly managedInstance: string;
  /** Oldest first; the most recent 1000 are kept. */
  readonly requests: readonly ArmRequestRecord[];
  clearRequests(): void;
  close(): Promise<void>;
}
