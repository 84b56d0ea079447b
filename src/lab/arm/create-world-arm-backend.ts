import { AgmedicError } from '../../errors.js';
import type { LabWorld } from '../model/lab-world.js';
import { armDelete, armFailover, armSetRole, armUpdate, getLinkView, type LinkView } from '../model/link-api.js';
import { isSqlServerError } from '../model/sql-error.js';
import { refuseFailover, refuseSetRole } from './refuse-link-change.js';
import { ArmBackendError, type ArmLinkBackend, type ArmLinkState } from './types.js';

/**
 * The {@link ArmLinkBackend} over the lab's state model, so the ARM emulator and the DMVs show one
 * link: a failover through ARM is seen by `sys.dm_hadr_availability_replica_states` and an
 * `ALTER AVAILABILITY GROUP` over TDS by the next ARM `get`.
 *
 * @example
 * const arm = await startArmEmulator({ backend: createWorldArmBackend(world), token, tls });
 */
export function createWorldArmBackend(world: LabWorld): ArmLinkBackend {
  const view = (mi: string, dag: string): LinkView | undefined => getLinkView(world, mi, dag);
  const mustView = (mi: string, dag: string): LinkView => {
    const found = view(mi, dag);
    if (!found) throw new ArmBackendError(404, 'ResourceNotFound', `distributed availability group '${dag}' was not found on '${mi}'`);
    return found;
  };
  const state = (mi: string, dag: string): ArmLinkState => toArmState(world, mi, mustView(mi, dag));

  return {
    listLinks: async (mi) => {
      const link = world.link;
      if (!link || !world.findInstance(mi)) return [];
      const found = view(mi, link.dagName);
      return found ? [toArmState(world, mi, found)] : [];
    },
    getLink: async (mi, dag) => {
      const found = view(mi, dag);
      return found && toArmState(world, mi, found);
    },
    createOrUpdate: async (mi, dag, input) => {
      // The model holds the scenario's one link; a PUT may change its modes, not create another.
      const current = view(mi, dag);
      if (!current) {
        throw new ArmBackendError(409, 'LinkCreationNotSupported', `the lab cannot create link '${dag}'; restart the lab with a scenario that has it`);
      }
      return refusals(() => {
        armUpdate(world, mi, dag, { replicationMode: input.replicationMode });
        world.link!.failoverMode = input.failoverMode;
        world.link!.seedingMode = input.seedingMode;
        world.touch();
        return state(mi, dag);
      });
    },
    update: async (mi, dag, patch) =>
      refusals(() => {
        mustView(mi, dag);
        if (patch.replicationMode) armUpdate(world, mi, dag, { replicationMode: patch.replicationMode });
        if (patch.failoverMode) world.link!.failoverMode = patch.failoverMode;
        if (patch.seedingMode) world.link!.seedingMode = patch.seedingMode;
        world.touch();
        return state(mi, dag);
      }),
    delete: async (mi, dag) =>
      refusals(() => {
        mustView(mi, dag);
        armDelete(world, mi, dag);
      }),
    failover: async (mi, dag, failoverType) =>
      refusals(() => {
        refuseFailover(world, mustView(mi, dag), failoverType);
        armFailover(world, mi, dag, failoverType);
        return state(mi, dag);
      }),
    setRole: async (mi, dag, instanceRole, roleChangeType) =>
      refusals(() => {
        refuseSetRole(mustView(mi, dag), instanceRole, roleChangeType);
        armSetRole(world, mi, dag, instanceRole, roleChangeType);
        return state(mi, dag);
      }),
  };
}

/** Model refusals carry SQL Server's number; ARM reports them as a 409 with that number in the text. */
function refusals<T>(task: () => T): T {
  try {
    return task();
  } catch (err) {
    if (err instanceof ArmBackendError) throw err;
    if (isSqlServerError(err)) throw new ArmBackendError(409, 'LinkOperationFailed', `${err.number}: ${err.message}`);
    if (err instanceof AgmedicError && err.code === 'LAB_CONTROL') throw new ArmBackendError(404, 'ResourceNotFound', err.message);
    throw err;
  }
}

function toArmState(world: LabWorld, mi: string, v: LinkView): ArmLinkState {
  const miSide = world.sideOf(mi);
  const partner = miSide ? world.partnerOf(miSide) : undefined;
  const state: ArmLinkState = {
    name: v.distributedAvailabilityGroupName,
    distributedAvailabilityGroupId: v.distributedAvailabilityGroupId,
    replicationMode: v.replicationMode,
    partnerLinkRole: v.partnerLinkRole,
    partnerAvailabilityGroupName: v.partnerAvailabilityGroupName,
    partnerEndpoint: v.partnerEndpoint,
    instanceLinkRole: v.instanceLinkRole,
    instanceAvailabilityGroupName: v.instanceAvailabilityGroupName,
    failoverMode: v.failoverMode,
    seedingMode: v.seedingMode,
    databases: v.databases.map((d) => {
      const db: ArmLinkState['databases'][number] = {
        databaseName: d.databaseName,
        replicaState: d.replicaState,
        synchronizationHealth: d.synchronizationHealth === 'Healthy' ? 'HEALTHY' : 'NOT_HEALTHY',
        connectedState: d.connectedState === 'Connected' ? 'CONNECTED' : 'DISCONNECTED',
        lastReceivedLsn: d.lastReceivedLsn,
        lastReceivedTime: d.lastReceivedTime,
        lastSentLsn: d.lastSentLsn,
        lastSentTime: d.lastSentTime,
        lastCommitLsn: d.lastCommitLsn,
        lastCommitTime: d.lastCommitTime,
        lastHardenedLsn: d.lastHardenedLsn,
        lastHardenedTime: d.lastHardenedTime,
        instanceSendReplicationLagSeconds: d.instanceSendReplicationLagSeconds,
        instanceRedoReplicationLagSeconds: d.instanceRedoReplicationLagSeconds,
      };
      if (miSide) db.instanceReplicaId = miSide.replicaId;
      if (partner) db.partnerReplicaId = partner.replicaId;
      if (d.seedingProgress !== null) db.seedingProgress = d.seedingProgress;
      if (d.lastBackupLsn !== null) db.lastBackupLsn = d.lastBackupLsn;
      if (d.lastBackupTime !== null) db.lastBackupTime = d.lastBackupTime;
      if (d.mostRecentLinkError !== null) db.mostRecentLinkError = d.mostRecentLinkError;
      if (d.partnerAuthCertValidity !== null) db.partnerAuthCertValidity = d.partnerAuthCertValidity;
      return db;
    }),
    targetDatabase: v.targetDatabase,
    sourceEndpoint: v.sourceEndpoint,
    primaryAvailabilityGroupName: v.primaryAvailabilityGroupName,
    secondaryAvailabilityGroupName: v.secondaryAvailabilityGroupName,
    linkState: v.linkState,
    lastHardenedLsn: v.lastHardenedLsn,
  };
  const first = state.databases[0];
  const instancePrimary = v.instanceLinkRole === 'Primary';
  const source = instancePrimary ? first?.instanceReplicaId : first?.partnerReplicaId;
  const target = instancePrimary ? first?.partnerReplicaId : first?.instanceReplicaId;
  if (source !== undefined) state.sourceReplicaId = source;
  if (target !== undefined) state.targetReplicaId = target;
  return state;
}
