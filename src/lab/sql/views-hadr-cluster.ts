import { lsnOf } from '../model/ids.js';
import { T, type Row, type ViewDef } from './types.js';

/**
 * The cluster-wide HADR views: which databases each availability group holds, each replica's join
 * state, and the cluster (none: the lab's AGs are CLUSTER_TYPE = NONE, as the MI link requires).
 */
function groups(ctx: Parameters<ViewDef['rows']>[0]): { groupId: string; name: string; replicas: { id: string; server: string }[] }[] {
  const out = ctx.inst.localAgs.map((ag) => ({ groupId: ag.groupId, name: ag.name, replicas: [{ id: ag.replicaId, server: ag.replicaServerName }] }));
  const side = ctx.world.sideOf(ctx.inst.name);
  const link = ctx.world.link;
  if (side && link) out.push({ groupId: link.groupId, name: link.dagName, replicas: link.sides.map((s) => ({ id: s.replicaId, server: s.agName })) });
  return out;
}

export const availabilityDatabasesCluster: ViewDef = {
  name: 'sys.availability_databases_cluster',
  columns: [['group_id', T.uid], ['group_database_id', T.uid], ['database_name', T.nv(128)], ['truncation_lsn', { name: 'numeric', precision: 25, scale: 0 }]],
  rows(ctx) {
    const link = ctx.world.link;
    const side = ctx.world.sideOf(ctx.inst.name);
    if (!link || !side) return [];
    const truncation = lsnOf(Math.min(side.hardened, ctx.world.partnerOf(side).hardened));
    return groups(ctx).map((g): Row => ({ group_id: g.groupId, group_database_id: link.groupDatabaseId, database_name: link.databaseName, truncation_lsn: truncation }));
  },
};

export const replicaClusterStates: ViewDef = {
  name: 'sys.dm_hadr_availability_replica_cluster_states',
  columns: [['replica_id', T.uid], ['replica_server_name', T.nv(256)], ['group_id', T.uid], ['join_state', T.tinyint], ['join_state_desc', T.nv(60)]],
  rows(ctx) {
    return groups(ctx).flatMap((g) => g.replicas.map((r): Row => ({ replica_id: r.id, replica_server_name: r.server, group_id: g.groupId, join_state: 1, join_state_desc: 'JOINED_STANDALONE' })));
  },
};

export const hadrCluster: ViewDef = {
  name: 'sys.dm_hadr_cluster',
  columns: [['cluster_name', T.nv(128)], ['quorum_type', T.tinyint], ['quorum_type_desc', T.nv(50)], ['quorum_state', T.tinyint], ['quorum_state_desc', T.nv(50)]],
  rows(ctx) {
    // Only a WSFC-backed AG has a cluster to describe.
    return ctx.inst.localAgs.some((ag) => ag.clusterType === 'WSFC')
      ? [{ cluster_name: `${ctx.inst.name}-WSFC`, quorum_type: 0, quorum_type_desc: 'NODE_MAJORITY', quorum_state: 1, quorum_state_desc: 'NORMAL_QUORUM' }]
      : [];
  },
};
