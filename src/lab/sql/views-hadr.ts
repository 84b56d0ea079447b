import { lsnOf } from '../model/ids.js';
import { linkConnectivity, primarySide } from '../model/run-dynamics.js';
import type { LinkSide } from '../model/types.js';
import { T, type Row, type ViewContext, type ViewDef } from './types.js';

const ROLE = { PRIMARY: 1, SECONDARY: 2, RESOLVING: 0 } as const;
const date = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

/** The DAG side hosted by this instance, with what it can see of its partner. */
function linkFrom(ctx: ViewContext): { side: LinkSide; partner: LinkSide; connected: boolean } | undefined {
  const side = ctx.world.sideOf(ctx.inst.name);
  if (!side) return undefined;
  const connected = linkConnectivity(ctx.world, ctx.now).connected;
  return { side, partner: ctx.world.partnerOf(side), connected };
}

function agRow(groupId: string, name: string, distributed: boolean): Row {
  return {
    group_id: groupId, name, resource_id: distributed ? null : groupId, resource_group_id: null, failure_condition_level: 3,
    health_check_timeout: 30000, automated_backup_preference: 2, automated_backup_preference_desc: 'secondary', version: 1,
    basic_features: false, dtc_support: false, db_failover: true, is_distributed: distributed, cluster_type: 1,
    cluster_type_desc: 'none', required_synchronized_secondaries_to_commit: 0, sequence_number: 4294967297n, is_contained: false,
  };
}

export const availabilityGroups: ViewDef = {
  name: 'sys.availability_groups',
  columns: [
    ['group_id', T.uid], ['name', T.nv(128)], ['resource_id', T.nv(40)], ['resource_group_id', T.nv(40)],
    ['failure_condition_level', T.int], ['health_check_timeout', T.int], ['automated_backup_preference', T.tinyint],
    ['automated_backup_preference_desc', T.nv(60)], ['version', T.smallint], ['basic_features', T.bit], ['dtc_support', T.bit],
    ['db_failover', T.bit], ['is_distributed', T.bit], ['cluster_type', T.tinyint], ['cluster_type_desc', T.nv(60)],
    ['required_synchronized_secondaries_to_commit', T.int], ['sequence_number', T.bigint], ['is_contained', T.bit],
  ],
  rows(ctx) {
    const rows = ctx.inst.localAgs.map((ag) => agRow(ag.groupId, ag.name, false));
    const l = linkFrom(ctx);
    if (l) rows.push(agRow(ctx.world.link!.groupId, ctx.world.link!.dagName, true));
    return rows;
  },
};

function modeCols(mode: string): Row {
  const sync = mode === 'SYNCHRONOUS_COMMIT';
  return { availability_mode: sync ? 1 : 0, availability_mode_desc: mode };
}

export const availabilityReplicas: ViewDef = {
  name: 'sys.availability_replicas',
  columns: [
    ['replica_id', T.uid], ['group_id', T.uid], ['replica_metadata_id', T.int], ['replica_server_name', T.nv(256)],
    ['owner_sid', T.vb(85)], ['endpoint_url', T.nv(128)], ['availability_mode', T.tinyint], ['availability_mode_desc', T.nv(60)],
    ['failover_mode', T.tinyint], ['failover_mode_desc', T.nv(60)], ['session_timeout', T.int],
    ['primary_role_allow_connections', T.tinyint], ['primary_role_allow_connections_desc', T.nv(60)],
    ['secondary_role_allow_connections', T.tinyint], ['secondary_role_allow_connections_desc', T.nv(60)],
    ['create_date', T.datetime], ['modify_date', T.datetime], ['backup_priority', T.int], ['read_only_routing_url', T.nv(256)],
    ['seeding_mode', T.tinyint], ['seeding_mode_desc', T.nv(60)], ['read_write_routing_url', T.nv(256)],
  ],
  rows(ctx) {
    const base = (replicaId: string, groupId: string, server: string, url: string, mode: string, failover: string, timeout: number, seeding: string): Row => ({
      replica_id: replicaId, group_id: groupId, replica_metadata_id: 65536, replica_server_name: server, owner_sid: new Uint8Array([1]),
      endpoint_url: url, ...modeCols(mode), failover_mode: failover === 'AUTOMATIC' ? 0 : 1, failover_mode_desc: failover,
      session_timeout: timeout, primary_role_allow_connections: 2, primary_role_allow_connections_desc: 'ALL',
      secondary_role_allow_connections: 2, secondary_role_allow_connections_desc: 'ALL', create_date: new Date(ctx.now - 30 * 86_400_000),
      modify_date: new Date(ctx.now - 86_400_000), backup_priority: 50, read_only_routing_url: null,
      seeding_mode: seeding === 'AUTOMATIC' ? 0 : 1, seeding_mode_desc: seeding, read_write_routing_url: null,
    });
    const rows = ctx.inst.localAgs.map((ag) =>
      base(ag.replicaId, ag.groupId, ag.replicaServerName, ag.endpointUrl, ag.availabilityMode, ag.failoverMode, ag.sessionTimeout, ag.seedingMode),
    );
    const l = linkFrom(ctx);
    if (l) {
      const link = ctx.world.link!;
      for (const s of link.sides) {
        rows.push(base(s.replicaId, link.groupId, s.agName, s.endpointUrl, l.side.modes[s.agName] ?? 'ASYNCHRONOUS_COMMIT', 'MANUAL', s.sessionTimeout, 'AUTOMATIC'));
      }
    }
    return rows;
  },
};

/** HEALTHY only when connected and data is moving as the mode promises; anything else is NOT_HEALTHY. */
function remoteHealth(ctx: ViewContext, l: { side: LinkSide; partner: LinkSide; connected: boolean }): 'HEALTHY' | 'NOT_HEALTHY' {
  const link = ctx.world.link!;
  if (!l.connected || link.creationError || link.seeding?.currentState === 'SEEDING' || l.partner.isSuspended || l.side.isSuspended) return 'NOT_HEALTHY';
  return 'HEALTHY';
}

export const replicaStates: ViewDef = {
  name: 'sys.dm_hadr_availability_replica_states',
  columns: [
    ['replica_id', T.uid], ['group_id', T.uid], ['is_local', T.bit], ['role', T.tinyint], ['role_desc', T.nv(60)],
    ['operational_state', T.tinyint], ['operational_state_desc', T.nv(60)], ['connected_state', T.tinyint],
    ['connected_state_desc', T.nv(60)], ['recovery_health', T.tinyint], ['recovery_health_desc', T.nv(60)],
    ['synchronization_health', T.tinyint], ['synchronization_health_desc', T.nv(60)], ['last_connect_error_number', T.int],
    ['last_connect_error_description', T.nv(1024)], ['last_connect_error_timestamp', T.datetime], ['write_lease_remaining_ticks', T.bigint],
    ['current_configuration_commit_start_time_utc', T.datetime],
  ],
  rows(ctx) {
    const row = (replicaId: string, groupId: string, local: boolean, role: LinkSide['role'], connected: boolean, health: string, err: LinkSide['lastConnectError']): Row => ({
      replica_id: replicaId, group_id: groupId, is_local: local, role: ROLE[role], role_desc: role,
      operational_state: local ? 2 : null, operational_state_desc: local ? 'ONLINE' : null,
      connected_state: connected ? 1 : 0, connected_state_desc: connected ? 'CONNECTED' : 'DISCONNECTED',
      recovery_health: local ? 1 : null, recovery_health_desc: local ? 'ONLINE' : null,
      synchronization_health: health === 'HEALTHY' ? 2 : 0, synchronization_health_desc: health,
      last_connect_error_number: err?.number ?? null, last_connect_error_description: err?.description ?? null,
      last_connect_error_timestamp: date(err?.at ?? null), write_lease_remaining_ticks: local ? 19000n : null,
      current_configuration_commit_start_time_utc: null,
    });
    const rows = ctx.inst.localAgs.map((ag) => row(ag.replicaId, ag.groupId, true, 'PRIMARY', true, 'HEALTHY', null));
    const l = linkFrom(ctx);
    if (l) {
      const link = ctx.world.link!;
      const health = remoteHealth(ctx, l);
      rows.push(row(l.side.replicaId, link.groupId, true, l.side.role, true, l.side.role === 'PRIMARY' ? health : health, null));
      // A primary sees its secondaries; a secondary sees only itself (the health query's "no rows" signal).
      if (l.side.role === 'PRIMARY') {
        rows.push(row(l.partner.replicaId, link.groupId, false, l.partner.role === 'PRIMARY' ? 'SECONDARY' : l.partner.role, l.connected, health, l.side.lastConnectError));
      }
    }
    return rows;
  },
};

export const databaseReplicaStates: ViewDef = {
  name: 'sys.dm_hadr_database_replica_states',
  columns: [
    ['database_id', T.int], ['group_id', T.uid], ['replica_id', T.uid], ['group_database_id', T.uid], ['is_local', T.bit],
    ['is_primary_replica', T.bit], ['synchronization_state', T.tinyint], ['synchronization_state_desc', T.nv(60)],
    ['is_commit_participant', T.bit], ['synchronization_health', T.tinyint], ['synchronization_health_desc', T.nv(60)],
    ['database_state', T.tinyint], ['database_state_desc', T.nv(60)], ['is_suspended', T.bit], ['suspend_reason', T.tinyint],
    ['suspend_reason_desc', T.nv(60)], ['recovery_lsn', T.lsn], ['truncation_lsn', T.lsn], ['last_sent_lsn', T.lsn],
    ['last_sent_time', T.datetime], ['last_received_lsn', T.lsn], ['last_received_time', T.datetime], ['last_hardened_lsn', T.lsn],
    ['last_hardened_time', T.datetime], ['last_redone_lsn', T.lsn], ['last_redone_time', T.datetime], ['log_send_queue_size', T.bigint],
    ['log_send_rate', T.bigint], ['redo_queue_size', T.bigint], ['redo_rate', T.bigint], ['filestream_send_rate', T.bigint],
    ['end_of_log_lsn', T.lsn], ['last_commit_lsn', T.lsn], ['last_commit_time', T.datetime], ['low_water_mark_for_ghosts', T.bigint],
    ['secondary_lag_seconds', T.bigint],
  ],
  rows(ctx) {
    const link = ctx.world.link;
    const db = ctx.inst.databases.find((d) => d.name.toLowerCase() === link?.databaseName.toLowerCase());
    const rows: Row[] = [];
    const l = linkFrom(ctx);
    if (!l || !db || !link) return rows;
    const primary = primarySide(link);
    const seeding = link.seeding?.currentState === 'SEEDING' || link.seeding?.currentState === 'FAILED';
    const sync = Object.values(l.side.modes).every((m) => m === 'SYNCHRONOUS_COMMIT');
    const ago = (ms: number): Date => new Date(ms);
    const make = (s: LinkSide, local: boolean): Row => {
      const isPrimary = s.role === 'PRIMARY';
      const queueBytes = primary && !isPrimary && l.connected ? Math.max(0, primary.logEnd - s.hardened) : !isPrimary && primary ? Math.max(0, primary.logEnd - s.hardened) : 0;
      const caughtUp = queueBytes === 0;
      const moving = l.connected && !seeding && !s.isSuspended;
      const state = isPrimary && local ? (sync ? 'SYNCHRONIZED' : 'SYNCHRONIZING') : !moving ? 'NOT SYNCHRONIZING' : sync && caughtUp ? 'SYNCHRONIZED' : 'SYNCHRONIZING';
      const stateNum = { 'NOT SYNCHRONIZING': 0, SYNCHRONIZING: 1, SYNCHRONIZED: 2 }[state];
      const healthy = local && isPrimary ? l.connected || !primary : moving;
      return {
        database_id: db.databaseId, group_id: link.groupId, replica_id: s.replicaId, group_database_id: link.groupDatabaseId,
        is_local: local, is_primary_replica: isPrimary, synchronization_state: stateNum, synchronization_state_desc: state,
        is_commit_participant: sync && moving, synchronization_health: healthy ? 2 : 0,
        synchronization_health_desc: healthy ? 'HEALTHY' : 'NOT_HEALTHY', database_state: local ? 0 : null,
        database_state_desc: local ? 'ONLINE' : null, is_suspended: s.isSuspended, suspend_reason: s.isSuspended ? 0 : null,
        suspend_reason_desc: s.isSuspended ? 'SUSPEND_FROM_USER' : null, recovery_lsn: lsnOf(s.redone),
        truncation_lsn: lsnOf(Math.min(s.redone, s.hardened)), last_sent_lsn: lsnOf(s.hardened), last_sent_time: ago(ctx.now),
        last_received_lsn: lsnOf(s.hardened), last_received_time: ago(s.lastCommitTime), last_hardened_lsn: lsnOf(s.hardened),
        last_hardened_time: ago(s.lastCommitTime), last_redone_lsn: lsnOf(s.redone), last_redone_time: ago(s.lastCommitTime),
        log_send_queue_size: isPrimary ? 0 : Math.round(queueBytes / 1024),
        log_send_rate: isPrimary || !moving ? 0 : Math.round(Math.min(link.bandwidthBytesPerSec, ctx.world.instance(primary!.instance).workloadBytesPerSec || link.bandwidthBytesPerSec) / 1024),
        redo_queue_size: isPrimary ? 0 : Math.round((s.hardened - s.redone) / 1024),
        redo_rate: isPrimary || !moving ? 0 : Math.round(link.redoBytesPerSec / 1024), filestream_send_rate: 0,
        end_of_log_lsn: lsnOf(s.logEnd), last_commit_lsn: lsnOf(s.lastCommitPos), last_commit_time: ago(s.lastCommitTime),
        low_water_mark_for_ghosts: 1000, secondary_lag_seconds: isPrimary || !primary ? null : Math.max(0, Math.round((primary.lastCommitTime - s.lastCommitTime) / 1000)),
      };
    };
    // The database is in the local AG the link is built on too; that single-replica AG's copy is its primary.
    for (const ag of ctx.inst.localAgs.filter((a) => a.name === l.side.agName)) {
      rows.push({
        ...make(l.side, true), group_id: ag.groupId, replica_id: ag.replicaId, is_primary_replica: true, synchronization_state: 2,
        synchronization_state_desc: 'SYNCHRONIZED', is_commit_participant: true, synchronization_health: 2, synchronization_health_desc: 'HEALTHY',
        log_send_queue_size: 0, log_send_rate: 0, redo_queue_size: 0, redo_rate: 0, secondary_lag_seconds: null,
      });
    }
    rows.push(make(l.side, true));
    if (l.side.role === 'PRIMARY') rows.push(make(l.partner, false));
    return rows;
  },
};

export const automaticSeeding: ViewDef = {
  name: 'sys.dm_hadr_automatic_seeding',
  columns: [
    ['start_time', T.datetime], ['completion_time', T.datetime], ['ag_id', T.uid], ['ag_db_id', T.uid], ['ag_remote_replica_id', T.uid],
    ['operation_id', T.uid], ['is_source', T.bit], ['current_state', T.nv(60)], ['performed_seeding', T.bit], ['failure_state', T.int],
    ['failure_state_desc', T.nv(60)], ['error_code', T.int], ['number_of_attempts', T.int],
  ],
  rows(ctx) {
    const l = linkFrom(ctx);
    const seeding = ctx.world.link?.seeding;
    if (!l || !seeding) return [];
    const failed = seeding.currentState === 'FAILED';
    return [{
      start_time: date(seeding.startTime), completion_time: date(seeding.completionTime), ag_id: ctx.world.link!.groupId,
      ag_db_id: ctx.world.link!.groupDatabaseId, ag_remote_replica_id: l.partner.replicaId, operation_id: seeding.operationId,
      is_source: l.side.role === 'PRIMARY', current_state: seeding.currentState, performed_seeding: seeding.currentState !== 'SEEDING',
      failure_state: failed ? 21 : 0, failure_state_desc: failed ? seeding.failureDesc : null, error_code: seeding.failureCode ?? 0,
      number_of_attempts: seeding.attempts,
    }];
  },
};

export const physicalSeedingStats: ViewDef = {
  name: 'sys.dm_hadr_physical_seeding_stats',
  columns: [
    ['local_physical_seeding_id', T.uid], ['remote_physical_seeding_id', T.uid], ['local_database_id', T.int],
    ['local_database_name', T.nv(128)], ['remote_machine_name', T.nv(128)], ['role_desc', T.nv(60)], ['internal_state_desc', T.nv(60)],
    ['transfer_rate_bytes_per_second', T.bigint], ['transferred_size_bytes', T.bigint], ['database_size_bytes', T.bigint],
    ['start_time_utc', T.datetime], ['end_time_utc', T.datetime], ['estimate_time_complete_utc', T.datetime],
    ['total_disk_io_wait_time_ms', T.bigint], ['total_network_wait_time_ms', T.bigint], ['failure_code', T.int],
    ['failure_message', T.nv(1024)], ['failure_time_utc', T.datetime], ['is_compression_enabled', T.bit],
  ],
  rows(ctx) {
    const l = linkFrom(ctx);
    const link = ctx.world.link;
    const seeding = link?.seeding;
    // Physical seeding rows exist while a transfer runs (or just failed); none before or after.
    if (!l || !link || !seeding || seeding.currentState === 'COMPLETED') return [];
    const db = ctx.inst.databases.find((d) => d.name.toLowerCase() === link.databaseName.toLowerCase());
    const rate = Math.min(seeding.rateBytesPerSec, link.bandwidthBytesPerSec);
    const left = seeding.databaseSizeBytes - seeding.transferredBytes;
    const failed = seeding.currentState === 'FAILED';
    return [{
      local_physical_seeding_id: seeding.localSeedingId, remote_physical_seeding_id: seeding.operationId,
      local_database_id: db?.databaseId ?? 5, local_database_name: link.databaseName, remote_machine_name: l.partner.endpointUrl,
      role_desc: l.side.role === 'PRIMARY' ? 'Source' : 'Destination', internal_state_desc: failed ? 'Failed' : l.connected ? 'ReadingAndSendingData' : 'WaitingForConnection',
      transfer_rate_bytes_per_second: l.connected && !failed ? Math.round(rate) : 0, transferred_size_bytes: Math.round(seeding.transferredBytes),
      database_size_bytes: seeding.databaseSizeBytes, start_time_utc: date(seeding.startTime), end_time_utc: date(seeding.completionTime),
      estimate_time_complete_utc: new Date(ctx.now + Math.round((left / Math.max(1, rate)) * 1000)),
      total_disk_io_wait_time_ms: Math.round(seeding.diskIoWaitMs), total_network_wait_time_ms: Math.round(seeding.networkWaitMs),
      failure_code: failed ? seeding.failureCode : null, failure_message: failed ? link.creationError?.message ?? null : null,
      failure_time_utc: failed ? date(seeding.completionTime) : null, is_compression_enabled: true,
    }];
  },
};
