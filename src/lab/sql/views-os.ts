import { deterministicGuid } from '../model/ids.js';
import { logSpaceOf } from './log-space.js';
import { T, type Row, type ViewContext, type ViewDef } from './types.js';

/**
 * Operating-system and file DMVs: performance counters (driven by the link's log positions and
 * the instance's wait statistics, so flow control shows as it accumulates), log space, files,
 * machine facts and the compatibility view sys.sysdatabases.
 */
const nchar = (length: number) => ({ name: 'nchar' as const, length });
/** PERF_COUNTER_BULK_COUNT: cumulative, sampled twice by monitoring scripts; PERF_COUNTER_LARGE_RAWCOUNT: a level. */
const BULK = 272696576;
const RAW = 65792;
const KB = 1024;

function counters(ctx: ViewContext): Row[] {
  const rows: Row[] = [];
  const add = (object: string, counter: string, instance: string, value: number, type = BULK): void => {
    rows.push({ object_name: `SQLServer:${object}`, counter_name: counter, instance_name: instance, cntr_value: Math.max(0, Math.round(value)), cntr_type: type });
  };
  const wait = (type: string): { count: number; ms: number } => {
    const w = ctx.inst.waits.get(type);
    return { count: w?.waitingTasksCount ?? 0, ms: w?.waitTimeMs ?? 0 };
  };
  const side = ctx.world.sideOf(ctx.inst.name);
  const link = ctx.world.link;
  if (side && link) {
    const partner = ctx.world.partnerOf(side);
    const primary = side.role === 'PRIMARY';
    const sent = primary ? partner.hardened : 0;
    const received = primary ? 0 : side.hardened;
    const flow = wait('HADR_TRANSPORT_FLOW_CONTROL');
    const replica: [string, number, number?][] = [
      ['Bytes Received from Replica/sec', received + 512 * (flow.count + 1)], ['Bytes Sent to Replica/sec', sent],
      ['Bytes Sent to Transport/sec', sent], ['Flow Control Time (ms/sec)', flow.ms], ['Flow Control/sec', flow.count],
      ['Receives from Replica/sec', Math.ceil(received / 65536) + flow.count], ['Resent Messages/sec', 0],
      ['Sends to Replica/sec', Math.ceil(sent / 65536)], ['Sends to Transport/sec', Math.ceil(sent / 65536)],
    ];
    for (const instance of [partner.agName, '_Total']) for (const [name, v] of replica) add('Availability Replica', name, instance, v);
    const queue = primary ? 0 : Math.max(0, (primary ? 0 : side.logEnd) - side.hardened);
    const sync = wait('HADR_SYNC_COMMIT');
    const dbCounters: [string, number, number][] = [
      ['File Bytes Received/sec', 0, BULK], ['Log Bytes Received/sec', received, BULK], ['Log remaining for undo', 0, RAW],
      ['Log Send Queue', queue / KB, RAW], ['Mirrored Write Transactions/sec', sync.count, BULK],
      ['Recovery Queue', primary ? 0 : (side.hardened - side.redone) / KB, RAW], ['Redo blocked/sec', 0, BULK],
      ['Redo Bytes Remaining', primary ? 0 : (side.hardened - side.redone) / KB, RAW], ['Redone Bytes/sec', primary ? 0 : side.redone, BULK],
      ['Total Log requiring undo', 0, RAW], ['Transaction Delay', sync.ms, BULK],
    ];
    for (const instance of [link.databaseName, '_Total']) for (const [name, v, t] of dbCounters) add('Database Replica', name, instance, v, t);
  }
  let totals = [0, 0, 0];
  for (const db of ctx.inst.databases) {
    const log = logSpaceOf(ctx.world, ctx.inst, db);
    const flushed = side && link && link.databaseName.toLowerCase() === db.name.toLowerCase() ? side.logEnd : log.usedBytes;
    add('Databases', 'Data File(s) Size (KB)', db.name, db.sizeBytes / KB, RAW);
    add('Databases', 'Log File(s) Size (KB)', db.name, log.sizeBytes / KB, RAW);
    add('Databases', 'Log File(s) Used Size (KB)', db.name, log.usedBytes / KB, RAW);
    add('Databases', 'Percent Log Used', db.name, (100 * log.usedBytes) / log.sizeBytes, RAW);
    add('Databases', 'Log Bytes Flushed/sec', db.name, flushed, BULK);
    totals = [totals[0]! + db.sizeBytes / KB, totals[1]! + log.sizeBytes / KB, totals[2]! + log.usedBytes / KB];
  }
  add('Databases', 'Data File(s) Size (KB)', '_Total', totals[0]!, RAW);
  add('Databases', 'Log File(s) Size (KB)', '_Total', totals[1]!, RAW);
  add('Databases', 'Log File(s) Used Size (KB)', '_Total', totals[2]!, RAW);
  return rows;
}

export const performanceCounters: ViewDef = {
  name: 'sys.dm_os_performance_counters',
  columns: [['object_name', nchar(128)], ['counter_name', nchar(128)], ['instance_name', nchar(128)], ['cntr_value', T.bigint], ['cntr_type', T.int]],
  rows: counters,
};

export const logSpaceUsage: ViewDef = {
  name: 'sys.dm_db_log_space_usage',
  columns: [
    ['database_id', T.int], ['total_log_size_in_bytes', T.bigint], ['used_log_space_in_bytes', T.bigint],
    ['used_log_space_in_percent', { name: 'real' }], ['log_space_in_bytes_since_last_backup', T.bigint],
  ],
  currentDatabase: true,
  rows(ctx) {
    const db = ctx.inst.databases.find((d) => d.name.toLowerCase() === (ctx.database ?? 'master').toLowerCase());
    if (!db) return [];
    const log = logSpaceOf(ctx.world, ctx.inst, db);
    return [{
      database_id: db.databaseId, total_log_size_in_bytes: log.sizeBytes, used_log_space_in_bytes: log.usedBytes,
      used_log_space_in_percent: (100 * log.usedBytes) / log.sizeBytes, log_space_in_bytes_since_last_backup: log.sinceLastBackupBytes,
    }];
  },
};

export const masterFiles: ViewDef = {
  name: 'sys.master_files',
  columns: [
    ['database_id', T.int], ['file_id', T.int], ['file_guid', T.uid], ['type', T.tinyint], ['type_desc', T.nv(60)], ['data_space_id', T.int],
    ['name', T.nv(128)], ['physical_name', T.nv(260)], ['state', T.tinyint], ['state_desc', T.nv(60)], ['size', T.int], ['max_size', T.int],
    ['growth', T.int], ['is_media_read_only', T.bit], ['is_read_only', T.bit], ['is_sparse', T.bit], ['is_percent_growth', T.bit],
  ],
  rows(ctx) {
    const dir = ctx.inst.kind === 'mi' ? 'C:\\WFRoot\\DB' : 'D:\\SQLData';
    return ctx.inst.databases.flatMap((db) => {
      const log = logSpaceOf(ctx.world, ctx.inst, db);
      const file = (fileId: number, type: 0 | 1, bytes: number): Row => ({
        database_id: db.databaseId, file_id: fileId, file_guid: deterministicGuid(`${ctx.inst.name}/${db.name}`, `file${fileId}`), type,
        type_desc: type === 0 ? 'ROWS' : 'LOG', data_space_id: type === 0 ? 1 : 0, name: type === 0 ? db.name : `${db.name}_log`,
        physical_name: `${dir}\\${db.name}${type === 0 ? '.mdf' : '_log.ldf'}`, state: 0, state_desc: 'ONLINE', size: Math.ceil(bytes / 8192),
        max_size: -1, growth: 8192, is_media_read_only: false, is_read_only: false, is_sparse: false, is_percent_growth: false,
      });
      return [file(1, 0, db.sizeBytes), file(2, 1, log.sizeBytes)];
    });
  },
};

export const sysDatabases: ViewDef = {
  name: 'sys.sysdatabases',
  columns: [
    ['name', T.nv(128)], ['dbid', T.smallint], ['sid', T.vb(85)], ['mode', T.smallint], ['status', T.int], ['status2', T.int],
    ['crdate', T.datetime], ['reserved', T.datetime], ['category', T.int], ['cmptlevel', T.tinyint], ['filename', T.nv(260)], ['version', T.smallint],
  ],
  rows(ctx) {
    return ctx.inst.databases.map((db) => ({
      name: db.name, dbid: db.databaseId, sid: new Uint8Array([1]), mode: 0, status: db.recoveryModel === 'SIMPLE' ? 65544 : 65536,
      status2: 1090519040, crdate: new Date(db.createDate), reserved: new Date(0), category: 0, cmptlevel: 160, filename: null, version: 957,
    }));
  },
};

export const sysInfo: ViewDef = {
  name: 'sys.dm_os_sys_info',
  columns: [
    ['cpu_ticks', T.bigint], ['ms_ticks', T.bigint], ['cpu_count', T.int], ['hyperthread_ratio', T.int], ['physical_memory_kb', T.bigint],
    ['virtual_memory_kb', T.bigint], ['committed_kb', T.bigint], ['committed_target_kb', T.bigint], ['visible_target_kb', T.bigint],
    ['stack_size_in_bytes', T.int], ['os_quantum', T.bigint], ['os_error_mode', T.int], ['os_priority_class', T.int],
    ['max_workers_count', T.int], ['scheduler_count', T.int], ['scheduler_total_count', T.int], ['deadlock_monitor_serial_number', T.int],
    ['sqlserver_start_time_ms_ticks', T.bigint], ['sqlserver_start_time', T.datetime], ['affinity_type', T.int], ['affinity_type_desc', T.nv(60)],
    ['process_kernel_time_ms', T.bigint], ['process_user_time_ms', T.bigint], ['time_source', T.int], ['time_source_desc', T.nv(60)],
    ['virtual_machine_type', T.int], ['virtual_machine_type_desc', T.nv(60)], ['softnuma_configuration', T.int],
    ['softnuma_configuration_desc', T.nv(60)], ['process_physical_affinity', T.nv(3072)], ['sql_memory_model', T.int],
    ['sql_memory_model_desc', T.nv(120)], ['socket_count', T.int], ['cores_per_socket', T.int], ['numa_node_count', T.int],
    ['container_type', T.int], ['container_type_desc', T.nv(60)],
  ],
  rows(ctx) {
    const up = ctx.now - ctx.inst.startedAt;
    const cpus = ctx.inst.kind === 'mi' ? 8 : 4;
    return [{
      cpu_ticks: up * 2_400_000, ms_ticks: up + 3_600_000, cpu_count: cpus, hyperthread_ratio: cpus, physical_memory_kb: 32 * 1024 * 1024,
      virtual_memory_kb: 137438953344, committed_kb: 4_194_304, committed_target_kb: 26_214_400, visible_target_kb: 26_214_400,
      stack_size_in_bytes: 2_093_056, os_quantum: 4, os_error_mode: 5, os_priority_class: 32, max_workers_count: 512, scheduler_count: cpus,
      scheduler_total_count: cpus + 9, deadlock_monitor_serial_number: 0, sqlserver_start_time_ms_ticks: 3_600_000,
      sqlserver_start_time: new Date(ctx.inst.startedAt), affinity_type: 2, affinity_type_desc: 'AUTO', process_kernel_time_ms: Math.round(up / 50),
      process_user_time_ms: Math.round(up / 10), time_source: 0, time_source_desc: 'QUERY_PERFORMANCE_COUNTER', virtual_machine_type: 1,
      virtual_machine_type_desc: 'HYPERVISOR', softnuma_configuration: 0, softnuma_configuration_desc: 'OFF', process_physical_affinity: '{{0,0}}',
      sql_memory_model: 1, sql_memory_model_desc: 'CONVENTIONAL', socket_count: 1, cores_per_socket: cpus, numa_node_count: 1,
      container_type: 0, container_type_desc: 'NONE',
    }];
  },
};

export const tcpEndpoints: ViewDef = {
  name: 'sys.tcp_endpoints',
  columns: [
    ['name', T.nv(128)], ['endpoint_id', T.int], ['principal_id', T.int], ['protocol', T.tinyint], ['protocol_desc', T.nv(60)],
    ['type', T.tinyint], ['type_desc', T.nv(60)], ['state', T.tinyint], ['state_desc', T.nv(60)], ['is_admin_endpoint', T.bit],
    ['port', T.int], ['is_dynamic_port', T.bit], ['ip_address', T.nv(45)],
  ],
  rows(ctx) {
    const row = (name: string, id: number, type: number, typeDesc: string, port: number, admin: boolean): Row => ({
      name, endpoint_id: id, principal_id: 1, protocol: 2, protocol_desc: 'TCP', type, type_desc: typeDesc, state: 0, state_desc: 'STARTED',
      is_admin_endpoint: admin, port, is_dynamic_port: false, ip_address: null,
    });
    const ep = ctx.inst.endpoint;
    return [row('Dedicated Admin Connection', 1, 2, 'TSQL', 0, true), row('TSQL Default TCP', 4, 2, 'TSQL', 1433, false), row(ep.name, ep.endpointId, 4, 'DATABASE_MIRRORING', ep.port, false)];
  },
};

export const backupMediaSet: ViewDef = {
  name: 'msdb.dbo.backupmediaset',
  columns: [
    ['media_set_id', T.int], ['media_uuid', T.uid], ['media_family_count', T.tinyint], ['name', T.nv(128)], ['description', T.nv(255)],
    ['software_name', T.nv(128)], ['software_vendor_id', T.int], ['MTF_major_version', T.tinyint], ['mirror_count', T.tinyint],
    ['is_password_protected', T.bit], ['is_compressed', T.bit], ['is_encrypted', T.bit],
  ],
  rows(ctx) {
    // The lab writes each backup to its own media set (see views-msdb.ts): media_set_id = backup_set_id.
    return ctx.inst.backups.map((b) => ({
      media_set_id: b.backupSetId, media_uuid: deterministicGuid(b.uuid, 'media'), media_family_count: 1, name: null, description: null,
      software_name: 'Microsoft SQL Server', software_vendor_id: 4608, MTF_major_version: 1, mirror_count: 1, is_password_protected: false,
      is_compressed: true, is_encrypted: false,
    }));
  },
};
