import { deterministicBytes, deterministicGuid, lsnOf, thumbprintOf } from './ids.js';
import { LabWorld } from './lab-world.js';
import { runDynamics } from './run-dynamics.js';
import { defaultConfigurations, defaultDatabases } from './instance-defaults.js';
import type { AvailabilityMode, Certificate, Clock, InstanceState, LinkSide, ReplicaRole } from './types.js';

/** What a scenario file sets; everything else takes the healthy lab's defaults. */
export interface WorldSpec {
  name: string;
  seed?: string;
  /** ISO time the scenario starts at. */
  start: string;
  workload?: { sqlserverBytesPerSec?: number; miBytesPerSec?: number };
  link: {
    bandwidthBytesPerSec: number;
    redoBytesPerSec: number;
    replicationMode: 'Async' | 'Sync';
    roles: { sqlserver: ReplicaRole; mi: ReplicaRole };
    /** Log position (bytes) of SQL Server's copy of Sales. */
    sqlLogPos: number;
    /** MI's copy; defaults to sqlLogPos (caught up). */
    miLogPos?: number;
    /** Where the logs forked after a forced failover (split brain). */
    forkPos?: number;
    partitioned?: boolean;
    seeding?: {
      databaseSizeBytes: number;
      transferredBytes: number;
      rateBytesPerSec: number;
      startedSecondsAgo: number;
      attempts?: number;
      logBackupDuringSeeding?: boolean;
      state?: 'SEEDING' | 'FAILED';
    };
    creationError?: { number: number; message: string };
    lastCommitSecondsAgo?: { sqlserver?: number; mi?: number };
  };
  certificates?: { sqlEndpointStart?: string; sqlEndpointExpiry?: string };
  backups?: { instance: 'sqlserver' | 'mi'; database: string; type: 'D' | 'I' | 'L'; secondsAgo: number; name: string; isCopyOnly?: boolean; sizeBytes?: number }[];
  waits?: { instance: 'sqlserver' | 'mi'; waitType: string; waitingTasksCount: number; waitTimeMs: number }[];
}

export const LAB_NAMES = {
  sqlserver: 'SQL01',
  sqlserverFqdn: 'SQL01.lab.local',
  mi: 'mi-lab',
  miFqdn: 'mi-lab.lab.database.windows.net',
  dag: 'SalesLink',
  sqlAg: 'AG_Sales',
  miAg: 'AG_Sales_MI',
  database: 'Sales',
  sqlEndpointCert: 'SQL01_Link_Cert',
  password: 'agmedic-lab',
} as const;

function makeCert(seed: string, id: number, name: string, subject: string, start: number, expiry: number, pvt: 'MK' | 'NA', keyLabel = name): Certificate {
  const publicKey = deterministicBytes(seed, `cert:${keyLabel}`, 96);
  return { name, certificateId: id, subject, startDate: start, expiryDate: expiry, thumbprint: thumbprintOf(publicKey), pvtKeyEncryptionType: pvt, publicKey };
}

function makeInstance(kind: 'sqlserver' | 'mi', start: number): InstanceState {
  const sql = kind === 'sqlserver';
  const name = sql ? LAB_NAMES.sqlserver : LAB_NAMES.mi;
  return {
    name,
    kind,
    fqdn: sql ? LAB_NAMES.sqlserverFqdn : LAB_NAMES.miFqdn,
    versionText: sql
      ? 'Microsoft SQL Server 2022 (RTM-CU16) (KB5048033) - 16.0.4165.4 (X64) \n\tNov  6 2024 19:24:49 \n\tCopyright (C) 2022 Microsoft Corporation\n\tDeveloper Edition (64-bit) on Windows Server 2022 Datacenter 10.0 <X64> (Build 20348: ) (Hypervisor)\n'
      : 'Microsoft SQL Azure (RTM) - 12.0.2000.8 \n\tOct  2 2024 11:51:41 \n\tCopyright (C) 2022 Microsoft Corporation\n',
    productVersion: sql ? '16.0.4165.4' : '12.0.2000.8',
    edition: sql ? 'Developer Edition (64-bit)' : 'SQL Azure',
    majorVersion: sql ? 16 : 12,
    up: true,
    startedAt: start - 86_400_000 * 3,
    traceFlags: [],
    runtimeTraceFlags: [],
    hasMasterKey: true,
    logins: new Map([['sa', LAB_NAMES.password]]),
    databases: defaultDatabases(start),
    localAgs: [],
    certificates: [],
    endpoint: { name: 'Hadr_endpoint', endpointId: 65536, port: 5022, certificateId: 0 },
    trustCertificates: [],
    configurations: defaultConfigurations(),
    waits: new Map(),
    backups: [],
    activeTransactions: [],
    sessions: new Map(),
    appLocks: [],
    workloadBytesPerSec: 0,
  };
}

/**
 * Builds the lab from a scenario spec: SQL01 and mi-lab joined by the link SalesLink.
 *
 * @example
 * const world = createWorld(spec, { clock: new ManualClock(Date.parse(spec.start)) });
 */
export function createWorld(spec: WorldSpec, options: { clock?: Clock } = {}): LabWorld {
  const start = Date.parse(spec.start);
  const clock = options.clock ?? { now: () => start };
  const seed = spec.seed ?? 'agmedic-lab';
  const world = new LabWorld(clock, seed);
  const now = clock.now();
  const sql = makeInstance('sqlserver', now);
  const mi = makeInstance('mi', now);
  sql.workloadBytesPerSec = spec.workload?.sqlserverBytesPerSec ?? 0;
  mi.workloadBytesPerSec = spec.workload?.miBytesPerSec ?? 0;

  const certStart = spec.certificates?.sqlEndpointStart ? Date.parse(spec.certificates.sqlEndpointStart) : now - 200 * 86_400_000;
  const certExpiry = spec.certificates?.sqlEndpointExpiry ? Date.parse(spec.certificates.sqlEndpointExpiry) : now + 165 * 86_400_000;
  const sqlCert = makeCert(seed, 256, LAB_NAMES.sqlEndpointCert, 'CN=SQL01 MI link endpoint', certStart, certExpiry, 'MK');
  const miCert = makeCert(seed, 258, 'MI_Endpoint_Certificate', `CN=${LAB_NAMES.miFqdn}`, now - 300 * 86_400_000, now + 700 * 86_400_000, 'MK');
  sql.certificates.push(
    makeCert(seed, 101, '##MS_SQLResourceSigningCertificate##', 'MS_SQLResourceSigningCertificate', now - 900 * 86_400_000, now + 3000 * 86_400_000, 'NA'),
    sqlCert,
    { ...miCert, certificateId: 257, name: LAB_NAMES.miFqdn, pvtKeyEncryptionType: 'NA' },
  );
  sql.endpoint.certificateId = sqlCert.certificateId;
  mi.certificates.push(miCert);
  mi.endpoint.certificateId = miCert.certificateId;
  mi.trustCertificates.push({ name: LAB_NAMES.sqlEndpointCert, publicKey: sqlCert.publicKey, thumbprint: sqlCert.thumbprint });

  sql.localAgs.push({
    name: LAB_NAMES.sqlAg,
    groupId: deterministicGuid(seed, LAB_NAMES.sqlAg),
    replicaId: deterministicGuid(seed, `${LAB_NAMES.sqlAg}:replica`),
    replicaServerName: LAB_NAMES.sqlserver,
    endpointUrl: `TCP://${LAB_NAMES.sqlserverFqdn}:5022`,
    availabilityMode: 'SYNCHRONOUS_COMMIT',
    failoverMode: 'MANUAL',
    seedingMode: 'AUTOMATIC',
    sessionTimeout: 10,
    clusterType: 'NONE',
  });
  mi.localAgs.push({
    name: LAB_NAMES.miAg,
    groupId: deterministicGuid(seed, LAB_NAMES.miAg),
    replicaId: deterministicGuid(seed, `${LAB_NAMES.miAg}:replica`),
    replicaServerName: LAB_NAMES.mi,
    endpointUrl: `tcp://${LAB_NAMES.miFqdn}:5022;Server=[${LAB_NAMES.mi}]`,
    availabilityMode: 'SYNCHRONOUS_COMMIT',
    failoverMode: 'AUTOMATIC',
    seedingMode: 'AUTOMATIC',
    sessionTimeout: 10,
    clusterType: 'NONE',
  });
  world.addInstance(sql);
  world.addInstance(mi);

  const l = spec.link;
  const mode: AvailabilityMode = l.replicationMode === 'Sync' ? 'SYNCHRONOUS_COMMIT' : 'ASYNCHRONOUS_COMMIT';
  const modes = (): Record<string, AvailabilityMode> => ({ [LAB_NAMES.sqlAg]: mode, [LAB_NAMES.miAg]: mode });
  const side = (kind: 'sqlserver' | 'mi', pos: number): LinkSide => {
    const ag = kind === 'sqlserver' ? sql.localAgs[0]! : mi.localAgs[0]!;
    const ago = (l.lastCommitSecondsAgo?.[kind] ?? 1) * 1000;
    return {
      instance: kind === 'sqlserver' ? sql.name : mi.name,
      agName: ag.name,
      replicaId: deterministicGuid(seed, `${LAB_NAMES.dag}:${ag.name}`),
      endpointUrl: ag.endpointUrl,
      role: l.roles[kind],
      modes: modes(),
      sessionTimeout: 20,
      logEnd: pos,
      hardened: pos,
      redone: pos,
      lastCommitTime: now - ago,
      lastCommitPos: pos,
      isSuspended: false,
      lastConnectError: null,
    };
  };
  const s = l.seeding;
  world.link = {
    dagName: LAB_NAMES.dag,
    groupId: deterministicGuid(seed, LAB_NAMES.dag),
    databaseName: LAB_NAMES.database,
    groupDatabaseId: deterministicGuid(seed, `${LAB_NAMES.dag}:${LAB_NAMES.database}`),
    sides: [side('sqlserver', l.sqlLogPos), side('mi', l.miLogPos ?? l.sqlLogPos)],
    bandwidthBytesPerSec: l.bandwidthBytesPerSec,
    redoBytesPerSec: l.redoBytesPerSec,
    partitioned: l.partitioned ?? false,
    seeding: s
      ? {
          operationId: deterministicGuid(seed, 'seeding-operation'),
          localSeedingId: deterministicGuid(seed, 'seeding-operation'),
          startTime: now - s.startedSecondsAgo * 1000,
          completionTime: s.state === 'FAILED' ? now - 60_000 : null,
          databaseSizeBytes: s.databaseSizeBytes,
          transferredBytes: s.transferredBytes,
          rateBytesPerSec: s.rateBytesPerSec,
          attempts: s.attempts ?? 1,
          currentState: s.state ?? 'SEEDING',
          basePos: l.sqlLogPos,
          logBackupDuringSeeding: s.logBackupDuringSeeding ?? false,
          failureCode: s.state === 'FAILED' ? (l.creationError?.number ?? null) : null,
          failureDesc: s.state === 'FAILED' ? 'Seeding check message timeout' : null,
          diskIoWaitMs: s.startedSecondsAgo * 40,
          networkWaitMs: s.startedSecondsAgo * 10,
        }
      : null,
    creationError: l.creationError ? { ...l.creationError, at: now - 60_000 } : null,
    mostRecentError: l.creationError ? { ...l.creationError, at: now - 60_000 } : null,
    failoverMode: 'None',
    seedingMode: 'Automatic',
    forkPos: l.forkPos ?? null,
  };
  for (const b of spec.backups ?? []) {
    const inst = b.instance === 'sqlserver' ? sql : mi;
    const at = now - b.secondsAgo * 1000;
    recordBackup(world, inst, { database: b.database, type: b.type, at, name: b.name, isCopyOnly: b.isCopyOnly ?? false, device: `\\\\backup\\${b.database}_${b.type}.bak` });
  }
  for (const w of spec.waits ?? []) {
    const inst = w.instance === 'sqlserver' ? sql : mi;
    inst.waits.set(w.waitType, { waitType: w.waitType, waitingTasksCount: w.waitingTasksCount, waitTimeMs: w.waitTimeMs, maxWaitTimeMs: Math.min(w.waitTimeMs, 1000), signalWaitTimeMs: Math.round(w.waitTimeMs / 50) });
  }
  // Derive connection errors (expired certificate, partition) before anyone looks.
  runDynamics(world, 0, now);
  world.event(null, 'scenario', `scenario ${spec.name} loaded`);
  return world;
}

/** Appends an msdb.dbo.backupset row; LSNs come from the database's log position on that instance. */
export function recordBackup(
  world: LabWorld,
  inst: InstanceState,
  b: { database: string; type: 'D' | 'I' | 'L'; at: number; name: string; isCopyOnly: boolean; device: string; userName?: string; checksum?: boolean; durationMs?: number },
): void {
  const side = world.sideOf(inst.name);
  const pos = side && world.link?.databaseName.toLowerCase() === b.database.toLowerCase() ? side.logEnd : 0;
  const previous = [...inst.backups].reverse().find((x) => x.databaseName.toLowerCase() === b.database.toLowerCase() && x.type === 'L');
  const backupSetId = inst.backups.length + 1;
  inst.backups.push({
    backupSetId,
    uuid: deterministicGuid(world.seed, `backup:${inst.name}:${backupSetId}`),
    checksum: b.checksum ?? false,
    databaseName: b.database,
    type: b.type,
    startDate: b.at - (b.durationMs ?? 5_000),
    finishDate: b.at,
    firstLsn: previous && b.type === 'L' ? previous.lastLsn : lsnOf(Math.max(0, pos - 1_048_576)),
    lastLsn: lsnOf(pos),
    isCopyOnly: b.isCopyOnly,
    userName: b.userName ?? (b.name.startsWith('LS') ? 'NT SERVICE\\SQLSERVERAGENT' : 'sa'),
    name: b.name,
    description: b.name.startsWith('LS') ? `Log shipping backup job ${b.name}` : '',
    deviceName: b.device,
  });
  world.touch();
}
