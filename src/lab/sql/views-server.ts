import { linkConnectivity } from '../model/run-dynamics.js';
import { runningTextOf } from './running-text.js';
import { T, type Row, type ViewDef } from './types.js';

const d = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

/** Wait types that exist (with zero counts) even before anything waited, as the real DMV lists them. */
const KNOWN_WAITS = [
  'HADR_SYNC_COMMIT', 'HADR_TRANSPORT_FLOW_CONTROL', 'DBMIRROR_SEND', 'HADR_DATABASE_FLOW_CONTROL', 'HADR_LOGCAPTURE_WAIT',
  'HADR_WORK_QUEUE', 'HADR_PHYSICAL_SEEDING_BACKUP_WAIT', 'HADR_CLUSAPI_CALL', 'WRITELOG', 'PAGEIOLATCH_SH', 'ASYNC_NETWORK_IO', 'LCK_M_X',
];

export const waitStats: ViewDef = {
  name: 'sys.dm_os_wait_stats',
  columns: [['wait_type', T.nv(60)], ['waiting_tasks_count', T.bigint], ['wait_time_ms', T.bigint], ['max_wait_time_ms', T.bigint], ['signal_wait_time_ms', T.bigint]],
  rows(ctx) {
    const names = new Set([...KNOWN_WAITS, ...ctx.inst.waits.keys()]);
    return [...names].map((w) => {
      const s = ctx.inst.waits.get(w);
      return {
        wait_type: w, waiting_tasks_count: Math.round(s?.waitingTasksCount ?? 0), wait_time_ms: Math.round(s?.waitTimeMs ?? 0),
        max_wait_time_ms: Math.round(s?.maxWaitTimeMs ?? 0), signal_wait_time_ms: Math.round(s?.signalWaitTimeMs ?? 0),
      };
    });
  },
};

export const mirroringEndpoints: ViewDef = {
  name: 'sys.database_mirroring_endpoints',
  columns: [
    ['endpoint_id', T.int], ['name', T.nv(128)], ['principal_id', T.int], ['protocol', T.tinyint], ['protocol_desc', T.nv(60)],
    ['type', T.tinyint], ['type_desc', T.nv(60)], ['state', T.tinyint], ['state_desc', T.nv(60)], ['is_admin_endpoint', T.bit],
    ['role', T.tinyint], ['role_desc', T.nv(60)], ['is_encryption_enabled', T.bit], ['connection_auth', T.tinyint],
    ['connection_auth_desc', T.nv(60)], ['certificate_id', T.int], ['encryption_algorithm', T.tinyint], ['encryption_algorithm_desc', T.nv(60)],
  ],
  rows(ctx) {
    const e = ctx.inst.endpoint;
    return [{
      endpoint_id: e.endpointId, name: e.name, principal_id: 1, protocol: 2, protocol_desc: 'TCP', type: 4, type_desc: 'DATABASE_MIRRORING',
      state: 0, state_desc: 'STARTED', is_admin_endpoint: false, role: 1, role_desc: 'ALL', is_encryption_enabled: true,
      connection_auth: 10, connection_auth_desc: 'NEGOTIATE, CERTIFICATE', certificate_id: e.certificateId, encryption_algorithm: 1,
      encryption_algorithm_desc: 'AES',
    }];
  },
};

export const databases: ViewDef = {
  name: 'sys.databases',
  columns: [
    ['name', T.nv(128)], ['database_id', T.int], ['source_database_id', T.int], ['owner_sid', T.vb(85)], ['create_date', T.datetime],
    ['compatibility_level', T.tinyint], ['collation_name', T.nv(128)], ['user_access_desc', T.nv(60)], ['is_read_only', T.bit],
    ['state', T.tinyint], ['state_desc', T.nv(60)], ['recovery_model', T.tinyint], ['recovery_model_desc', T.nv(60)],
    ['log_reuse_wait', T.tinyint], ['log_reuse_wait_desc', T.nv(60)], ['replica_id', T.uid], ['group_database_id', T.uid], ['is_encrypted', T.bit],
  ],
  rows(ctx) {
    const link = ctx.world.link;
    const side = ctx.world.sideOf(ctx.inst.name);
    return ctx.inst.databases.map((db): Row => {
      const inLink = !!side && !!link && link.databaseName.toLowerCase() === db.name.toLowerCase();
      const partner = inLink ? ctx.world.partnerOf(side) : undefined;
      // An unsent log queue pins the log: log_reuse_wait_desc says AVAILABILITY_REPLICA while it lasts.
      const pinned = inLink && side.role === 'PRIMARY' && partner && (side.logEnd > partner.hardened || !linkConnectivity(ctx.world, ctx.now).connected);
      const reuse = pinned ? 'AVAILABILITY_REPLICA' : db.logReuseWaitDesc;
      const restoring = db.stateDesc === 'RESTORING';
      return {
        name: db.name, database_id: db.databaseId, source_database_id: null, owner_sid: new Uint8Array([1]), create_date: d(db.createDate),
        compatibility_level: ctx.inst.kind === 'mi' ? 160 : 160, collation_name: 'SQL_Latin1_General_CP1_CI_AS', user_access_desc: 'MULTI_USER',
        is_read_only: inLink && side.role === 'SECONDARY', state: restoring ? 1 : 0, state_desc: db.stateDesc,
        recovery_model: db.recoveryModel === 'FULL' ? 1 : 3, recovery_model_desc: db.recoveryModel,
        log_reuse_wait: reuse === 'AVAILABILITY_REPLICA' ? 9 : reuse === 'LOG_BACKUP' ? 2 : 0, log_reuse_wait_desc: reuse,
        replica_id: inLink ? side.replicaId : null, group_database_id: inLink ? link.groupDatabaseId : null, is_encrypted: ctx.inst.kind === 'mi',
      };
    });
  },
};

export const configurations: ViewDef = {
  name: 'sys.configurations',
  columns: [
    ['configuration_id', T.int], ['name', T.nv(35)], ['value', T.variant], ['minimum', T.variant], ['maximum', T.variant],
    ['value_in_use', T.variant], ['description', T.nv(255)], ['is_dynamic', T.bit], ['is_advanced', T.bit],
  ],
  rows(ctx) {
    return ctx.inst.configurations.map((c) => ({
      configuration_id: c.configurationId, name: c.name, value: c.value, minimum: c.minimum, maximum: c.maximum, value_in_use: c.valueInUse,
      description: c.description, is_dynamic: c.isDynamic, is_advanced: c.isAdvanced,
    }));
  },
};

function dbId(ctx: { inst: { databases: { name: string; databaseId: number }[] } }, name: string): number {
  return ctx.inst.databases.find((x) => x.name.toLowerCase() === name.toLowerCase())?.databaseId ?? 1;
}

export const execSessions: ViewDef = {
  name: 'sys.dm_exec_sessions',
  volatile: true,
  columns: [
    ['session_id', T.smallint], ['login_time', T.datetime], ['host_name', T.nv(128)], ['program_name', T.nv(128)], ['login_name', T.nv(128)],
    ['status', T.nv(30)], ['database_id', T.smallint], ['is_user_process', T.bit], ['open_transaction_count', T.int], ['last_request_start_time', T.datetime],
  ],
  rows(ctx) {
    return [...ctx.inst.sessions.values()].map((s) => ({
      session_id: s.spid, login_time: d(s.connectedAt), host_name: s.hostName, program_name: s.appName, login_name: s.login,
      status: s.running ? 'running' : 'sleeping', database_id: dbId(ctx, s.database), is_user_process: true,
      open_transaction_count: ctx.inst.activeTransactions.filter((t) => t.sessionId === s.spid).length, last_request_start_time: d(s.running?.startedAt ?? s.connectedAt),
    }));
  },
};

export const execRequests: ViewDef = {
  name: 'sys.dm_exec_requests',
  volatile: true,
  columns: [
    ['session_id', T.smallint], ['request_id', T.int], ['start_time', T.datetime], ['status', T.nv(30)], ['command', T.nv(32)],
    ['database_id', T.smallint], ['blocking_session_id', T.smallint], ['wait_type', T.nv(60)], ['wait_time', T.int], ['last_wait_type', T.nv(60)],
    ['wait_resource', T.nv(256)], ['open_transaction_count', T.int], ['percent_complete', { name: 'float' }], ['estimated_completion_time', T.bigint],
    ['cpu_time', T.int], ['total_elapsed_time', T.int], ['logical_reads', T.bigint],
  ],
  rows(ctx) {
    return [...ctx.inst.sessions.values()].filter((s) => s.running).map((s) => ({
      session_id: s.spid, request_id: 0, start_time: d(s.running!.startedAt), status: 'running', command: s.running!.command,
      database_id: dbId(ctx, s.database), blocking_session_id: 0, wait_type: s.running!.waitType, wait_time: 0,
      last_wait_type: s.running!.waitType ?? 'SOS_SCHEDULER_YIELD', wait_resource: '', open_transaction_count: 0, percent_complete: 0,
      estimated_completion_time: 0, cpu_time: 1, total_elapsed_time: Math.max(0, ctx.now - s.running!.startedAt), logical_reads: 10,
      sql_handle: runningTextOf(s)?.handle ?? null, statement_start_offset: 0, statement_end_offset: -1,
    }));
  },
};

/** sys.dm_exec_sql_text(handle) as a table: CROSS APPLY becomes a join on sql_handle (rewrite-select.ts). */
export const execSqlText: ViewDef = {
  name: 'sys.dm_exec_sql_text',
  volatile: true,
  columns: [['dbid', T.smallint], ['objectid', T.int], ['number', T.smallint], ['encrypted', T.bit], ['text', T.nv('max')], ['sql_handle', T.vb(64)]],
  rows(ctx) {
    return [...ctx.inst.sessions.values()].flatMap((s) => {
      const r = runningTextOf(s);
      return r ? [{ dbid: dbId(ctx, s.database), objectid: null, number: null, encrypted: false, text: r.text, sql_handle: r.handle }] : [];
    });
  },
};

export const activeTransactions: ViewDef = {
  name: 'sys.dm_tran_active_transactions',
  columns: [['transaction_id', T.bigint], ['name', T.nv(32)], ['transaction_begin_time', T.datetime], ['transaction_type', T.int], ['transaction_state', T.int]],
  rows(ctx) {
    return ctx.inst.activeTransactions.map((t) => ({ transaction_id: t.transactionId, name: t.name, transaction_begin_time: d(t.beginTime), transaction_type: 1, transaction_state: 2 }));
  },
};

export const databaseTransactions: ViewDef = {
  name: 'sys.dm_tran_database_transactions',
  columns: [
    ['transaction_id', T.bigint], ['database_id', T.int], ['database_transaction_begin_time', T.datetime],
    ['database_transaction_log_bytes_used', T.bigint], ['database_transaction_log_bytes_reserved', T.bigint],
  ],
  rows(ctx) {
    return ctx.inst.activeTransactions.map((t) => ({
      transaction_id: t.transactionId, database_id: t.databaseId, database_transaction_begin_time: d(t.beginTime),
      database_transaction_log_bytes_used: t.logBytesUsed, database_transaction_log_bytes_reserved: Math.round(t.logBytesUsed * 1.5),
    }));
  },
};

export const sessionTransactions: ViewDef = {
  name: 'sys.dm_tran_session_transactions',
  columns: [['session_id', T.int], ['transaction_id', T.bigint], ['is_local', T.bit], ['is_user_transaction', T.bit]],
  rows(ctx) {
    return ctx.inst.activeTransactions.map((t) => ({ session_id: t.sessionId, transaction_id: t.transactionId, is_local: true, is_user_transaction: true }));
  },
};
