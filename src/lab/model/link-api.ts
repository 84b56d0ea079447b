import { AgmedicError } from '../../errors.js';
import { deterministicBytes, lsnOf, thumbprintOf } from './ids.js';
import type { LabWorld } from './lab-world.js';
import { dropLinkOn, forcedFailover, plannedFailover, setAvailabilityModes, setRoleSecondary } from './link-ops.js';
import { isSynchronousEverywhere, linkConnectivity, primarySide } from './run-dynamics.js';
import type { LinkSide } from './types.js';

/** One database of the link as ARM's `databases[]` shows it [SPEC]. */
export interface LinkDatabaseView {
  databaseName: string;
  replicaState: string;
  seedingProgress: string | null;
  synchronizationHealth: 'Healthy' | 'NotHealthy';
  connectedState: 'Connected' | 'Disconnected';
  lastReceivedLsn: string;
  lastReceivedTime: string;
  lastSentLsn: string;
  lastSentTime: string;
  lastCommitLsn: string;
  lastCommitTime: string;
  lastHardenedLsn: string;
  lastHardenedTime: string;
  lastBackupLsn: string | null;
  lastBackupTime: string | null;
  mostRecentLinkError: string | null;
  partnerAuthCertValidity: { certificateName: string; expiryDate: string } | null;
  instanceSendReplicationLagSeconds: number;
  instanceRedoReplicationLagSeconds: number;
}

/** Everything the ARM `distributedAvailabilityGroups/{dag}` resource needs, seen from the MI. */
export interface LinkView {
  distributedAvailabilityGroupName: string;
  distributedAvailabilityGroupId: string;
  replicationMode: 'Async' | 'Sync';
  instanceLinkRole: 'Primary' | 'Secondary';
  partnerLinkRole: 'Primary' | 'Secondary';
  instanceAvailabilityGroupName: string;
  partnerAvailabilityGroupName: string;
  partnerEndpoint: string;
  failoverMode: 'None' | 'Manual';
  seedingMode: 'Automatic' | 'Manual';
  /** 2022-08-01-preview properties, still read by @azure/arm-sql 10. */
  targetDatabase: string;
  sourceEndpoint: string;
  primaryAvailabilityGroupName: string;
  secondaryAvailabilityGroupName: string;
  linkState: string;
  lastHardenedLsn: string;
  databases: LinkDatabaseView[];
}

const iso = (ms: number): string => new Date(ms).toISOString();
const armRole = (s: LinkSide): 'Primary' | 'Secondary' => (s.role === 'PRIMARY' ? 'Primary' : 'Secondary');

function sidesFor(world: LabWorld, miName: string, dagName: string): { mi: LinkSide; partner: LinkSide } | undefined {
  const link = world.link;
  if (!link || link.dagName.toLowerCase() !== dagName.toLowerCase()) return undefined;
  const mi = world.sideOf(miName);
  if (!mi) return undefined;
  return { mi, partner: world.partnerOf(mi) };
}

/** ARM's free-text replicaState [TS], derived from the model. */
export function replicaStateOf(world: LabWorld): string {
  const link = world.link;
  if (!link) return 'Deleted';
  if (link.creationError) return 'LinkCreationError';
  if (link.seeding?.currentState === 'SEEDING') return 'Seeding';
  const conn = linkConnectivity(world, world.now());
  if (!conn.connected && conn.error && conn.error.number >= 41962) return 'LinkInitError';
  const primary = primarySide(link);
  if (!conn.connected || !primary) return 'LinkSynchronizing';
  const secondary = world.partnerOf(primary);
  return primary.logEnd - secondary.hardened > 64 * 1024 * 1024 ? 'Catchup' : 'LinkSynchronizing';
}

/**
 * The ARM view of the link hosted by `miName`, or undefined when it does not exist there.
 *
 * @example
 * const view = getLinkView(world, 'mi-lab', 'SalesLink');
 * view?.databases[0]?.replicaState; // 'LinkSynchronizing'
 */
export function getLinkView(world: LabWorld, miName: string, dagName: string): LinkView | undefined {
  world.sync();
  const found = sidesFor(world, miName, dagName);
  if (!found) return undefined;
  const { mi, partner } = found;
  const link = world.link!;
  const conn = linkConnectivity(world, world.now());
  const primary = primarySide(link);
  const secondary = primary ? world.partnerOf(primary) : undefined;
  const sqlInst = world.instance(partner.instance);
  const sqlCert = sqlInst.certificates.find((c) => c.certificateId === sqlInst.endpoint.certificateId);
  const backups = world.instance(mi.instance).backups.filter((b) => b.databaseName === link.databaseName);
  const lastBackup = backups[backups.length - 1];
  const sendLag = primary && secondary ? Math.max(0, (primary.lastCommitTime - secondary.lastCommitTime) / 1000) : 0;
  const redoLag = secondary ? (secondary.hardened - secondary.redone) / Math.max(1, link.redoBytesPerSec) : 0;
  const seeding = link.seeding;
  const healthy = conn.connected && !seeding?.failureCode && !(seeding?.currentState === 'SEEDING');
  const db: LinkDatabaseView = {
    databaseName: link.databaseName,
    replicaState: replicaStateOf(world),
    seedingProgress:
      seeding && seeding.currentState === 'SEEDING'
        ? `${Math.floor((seeding.transferredBytes / seeding.databaseSizeBytes) * 100)}%`
        : null,
    synchronizationHealth: healthy ? 'Healthy' : 'NotHealthy',
    connectedState: conn.connected ? 'Connected' : 'Disconnected',
    lastReceivedLsn: String(lsnOf(mi.hardened)),
    lastReceivedTime: iso(mi.lastCommitTime),
    lastSentLsn: String(lsnOf(primary?.logEnd ?? mi.logEnd)),
    lastSentTime: iso(world.now()),
    lastCommitLsn: String(lsnOf(mi.lastCommitPos)),
    lastCommitTime: iso(mi.lastCommitTime),
    lastHardenedLsn: String(lsnOf(mi.hardened)),
    lastHardenedTime: iso(mi.lastCommitTime),
    lastBackupLsn: lastBackup ? String(lastBackup.lastLsn) : null,
    lastBackupTime: lastBackup ? iso(lastBackup.finishDate) : null,
    mostRecentLinkError: link.mostRecentError ? `${link.mostRecentError.number}: ${link.mostRecentError.message}` : null,
    partnerAuthCertValidity: sqlCert ? { certificateName: sqlCert.name, expiryDate: iso(sqlCert.expiryDate) } : null,
    instanceSendReplicationLagSeconds: Math.round(sendLag),
    instanceRedoReplicationLagSeconds: Math.round(redoLag),
  };
  return {
    distributedAvailabilityGroupName: link.dagName,
    distributedAvailabilityGroupId: link.groupId,
    replicationMode: Object.values(mi.modes).every((m) => m === 'SYNCHRONOUS_COMMIT') ? 'Sync' : 'Async',
    instanceLinkRole: armRole(mi),
    partnerLinkRole: armRole(partner),
    instanceAvailabilityGroupName: mi.agName,
    partnerAvailabilityGroupName: partner.agName,
    partnerEndpoint: partner.endpointUrl,
    failoverMode: link.failoverMode,
    seedingMode: link.seedingMode,
    targetDatabase: link.databaseName,
    sourceEndpoint: partner.endpointUrl,
    primaryAvailabilityGroupName: (primary ?? partner).agName,
    secondaryAvailabilityGroupName: (secondary ?? mi).agName,
    linkState: db.replicaState,
    lastHardenedLsn: db.lastHardenedLsn,
    databases: [db],
  };
}

function miSide(world: LabWorld, miName: string, dagName: string): LinkSide {
  const found = sidesFor(world, miName, dagName);
  if (!found) throw new AgmedicError('LAB_CONTROL', `no link "${dagName}" on managed instance "${miName}"`);
  return found.mi;
}

/**
 * `POST …/failover` [SPEC]. Planned: switches both sides to synchronous commit, lets the secondary
 * catch up, then swaps roles. ForcedAllowDataLoss: the MI becomes primary whatever SQL Server thinks,
 * which is how split brain starts when the old primary is still (or again) running.
 * Throws {@link SqlServerError} with SQL Server's number when the model refuses.
 */
export function armFailover(world: LabWorld, miName: string, dagName: string, type: 'Planned' | 'ForcedAllowDataLoss'): void {
  world.sync();
  const mi = miSide(world, miName, dagName);
  const link = world.link!;
  if (type === 'ForcedAllowDataLoss') {
    forcedFailover(world, mi.instance, dagName);
    return;
  }
  const primary = primarySide(link);
  if (!primary) return plannedFailover(world, mi.instance, dagName);
  const secondary = world.partnerOf(primary);
  if (linkConnectivity(world, world.now()).connected) {
    for (const s of link.sides) for (const k of Object.keys(s.modes)) s.modes[k] = 'SYNCHRONOUS_COMMIT';
    secondary.logEnd = secondary.hardened = secondary.redone = primary.logEnd;
    secondary.lastCommitPos = primary.lastCommitPos;
    secondary.lastCommitTime = primary.lastCommitTime;
  }
  plannedFailover(world, primary.instance, dagName);
}

/** `POST …/setRole` [SPEC]: the MI's own role, like SET (ROLE = SECONDARY) / FORCE_FAILOVER on the MI. */
export function armSetRole(
  world: LabWorld,
  miName: string,
  dagName: string,
  instanceRole: 'Primary' | 'Secondary',
  roleChangeType: 'Planned' | 'Forced',
): void {
  world.sync();
  const mi = miSide(world, miName, dagName);
  if (instanceRole === 'Secondary') {
    if (mi.role === 'PRIMARY') setRoleSecondary(world, mi.instance, dagName);
    return;
  }
  if (mi.role === 'PRIMARY') return;
  if (roleChangeType === 'Forced') forcedFailover(world, mi.instance, dagName);
  else armFailover(world, miName, dagName, 'Planned');
}

/** `PATCH` with `replicationMode` [SPEC]: the MI side's configuration of both replicas. */
export function armUpdate(world: LabWorld, miName: string, dagName: string, update: { replicationMode?: 'Async' | 'Sync' }): void {
  world.sync();
  const mi = miSide(world, miName, dagName);
  if (!update.replicationMode) return;
  const mode = update.replicationMode === 'Sync' ? 'SYNCHRONOUS_COMMIT' : 'ASYNCHRONOUS_COMMIT';
  setAvailabilityModes(world, mi.instance, dagName, world.link!.sides.map((s) => ({ agName: s.agName, mode })));
}

/** `DELETE` [SPEC]: removes the link on the MI side; SQL Server keeps its DAG until DROP AVAILABILITY GROUP. */
export function armDelete(world: LabWorld, miName: string, dagName: string): void {
  world.sync();
  const mi = miSide(world, miName, dagName);
  dropLinkOn(world, mi.instance, dagName);
}

/**
 * Adds a server trust certificate to the MI (ARM `serverTrustCertificates`, PowerShell
 * `New-AzSqlInstanceServerTrustCertificate`): the real MI has no T-SQL for this.
 */
export function addTrustCertificate(world: LabWorld, miName: string, name: string, publicKey: Uint8Array): void {
  const mi = world.instance(miName);
  if (mi.kind !== 'mi') throw new AgmedicError('LAB_CONTROL', `${miName} is not a managed instance`);
  mi.trustCertificates = mi.trustCertificates.filter((t) => t.name.toLowerCase() !== name.toLowerCase());
  mi.trustCertificates.push({ name, publicKey, thumbprint: thumbprintOf(publicKey) });
  world.event(mi.name, 'trust-certificate', `trust certificate ${name} added`);
}

export function removeTrustCertificate(world: LabWorld, miName: string, name: string): boolean {
  const mi = world.instance(miName);
  const before = mi.trustCertificates.length;
  mi.trustCertificates = mi.trustCertificates.filter((t) => t.name.toLowerCase() !== name.toLowerCase());
  world.touch();
  return mi.trustCertificates.length < before;
}

/** The MI's own endpoint certificate public key, as `sp_get_endpoint_certificate 4` / Get-AzSqlInstanceEndpointCertificate return it. */
export function endpointCertificateOf(world: LabWorld, instance: string): Uint8Array {
  const inst = world.instance(instance);
  const cert = inst.certificates.find((c) => c.certificateId === inst.endpoint.certificateId);
  return cert?.publicKey ?? deterministicBytes(world.seed, `${inst.name}:none`, 0);
}

export { isSynchronousEverywhere };
