import { AgmedicError } from '../../errors.js';
import { deterministicGuid } from './ids.js';
import type { LabWorld } from './lab-world.js';
import type { LinkSide, LinkState } from './types.js';

export interface RecreateLinkOptions {
  /**
   * The DBA removed the database the old link left on the managed instance. Creating a link whose
   * database already exists on the MI fails, so without this the lab refuses, as Azure would.
   */
  dropMiDatabase?: boolean;
  /** Seeding throughput, bytes per second (default: the link's bandwidth). */
  seedingBytesPerSec?: number;
}

/**
 * Re-creates the link after it was dropped on both sides (what the link creation scripts or
 * New-AzSqlInstanceLink do [CFG]): SQL Server is the primary, the managed instance seeds a fresh copy
 * of the database from SQL Server's current log position, in asynchronous commit. Seeding then runs
 * with the usual rules: a log backup on SQL Server during seeding without trace flag 12381 fails it
 * with 1412 [TS].
 *
 * @example
 * recreateLink(world, { dropMiDatabase: true });
 * world.link?.seeding?.currentState; // 'SEEDING'
 */
export function recreateLink(world: LabWorld, options: RecreateLinkOptions = {}): LinkState {
  if (world.link) {
    const still = world.link.sides.filter((s) => !world.droppedOn.has(s.instance)).map((s) => s.instance);
    throw new AgmedicError('LAB_CONTROL', `the link ${world.link.dagName} still exists on ${still.join(' and ')}; drop it there first`);
  }
  const old = world.retiredLink;
  if (!old) throw new AgmedicError('LAB_CONTROL', 'no dropped link to re-create');
  const parts = old.sides.map((side) => ({ side, inst: world.instance(side.instance) }));
  const sqlOld = parts.find((p) => p.inst.kind === 'sqlserver')!;
  const miOld = parts.find((p) => p.inst.kind === 'mi')!;
  const miDbIndex = miOld.inst.databases.findIndex((d) => d.name.toLowerCase() === old.databaseName.toLowerCase());
  if (miDbIndex >= 0 && !options.dropMiDatabase) {
    throw new AgmedicError(
      'LAB_CONTROL',
      `${miOld.inst.name} still has a database named ${old.databaseName} (left by the old link): the new link cannot seed over it; remove it first (--drop-mi-database)`,
    );
  }
  const sqlDb = sqlOld.inst.databases.find((d) => d.name.toLowerCase() === old.databaseName.toLowerCase());
  if (!sqlDb) throw new AgmedicError('LAB_CONTROL', `${sqlOld.inst.name} has no database ${old.databaseName} to seed from`);
  if (miDbIndex >= 0) miOld.inst.databases.splice(miDbIndex, 1);
  miOld.inst.databases.push({ ...sqlDb, stateDesc: 'ONLINE' });
  const now = world.now();
  const attempt = world.events.filter((e) => e.kind === 'link-recreated').length + 1;
  const pos = Math.max(sqlOld.side.logEnd, miOld.side.logEnd);
  const side = (prev: LinkSide, role: 'PRIMARY' | 'SECONDARY'): LinkSide => ({
    ...prev,
    role,
    modes: Object.fromEntries(Object.keys(prev.modes).map((k) => [k, 'ASYNCHRONOUS_COMMIT'])),
    logEnd: role === 'PRIMARY' ? pos : 0,
    hardened: role === 'PRIMARY' ? pos : 0,
    redone: role === 'PRIMARY' ? pos : 0,
    lastCommitPos: role === 'PRIMARY' ? pos : 0,
    lastCommitTime: role === 'PRIMARY' ? now : 0,
    isSuspended: false,
    lastConnectError: null,
  });
  const id = deterministicGuid(world.seed, `seeding-operation:${attempt}`);
  world.link = {
    ...old,
    groupId: deterministicGuid(world.seed, `${old.dagName}:${attempt}`),
    sides: [side(sqlOld.side, 'PRIMARY'), side(miOld.side, 'SECONDARY')],
    partitioned: false,
    seeding: {
      operationId: id,
      localSeedingId: id,
      startTime: now,
      completionTime: null,
      databaseSizeBytes: sqlDb.sizeBytes,
      transferredBytes: 0,
      rateBytesPerSec: options.seedingBytesPerSec ?? old.bandwidthBytesPerSec,
      attempts: 1,
      currentState: 'SEEDING',
      basePos: pos,
      logBackupDuringSeeding: false,
      failureCode: null,
      failureDesc: null,
      diskIoWaitMs: 0,
      networkWaitMs: 0,
    },
    creationError: null,
    mostRecentError: null,
    forkPos: null,
  };
  world.retiredLink = null;
  world.event(null, 'link-recreated', `link ${old.dagName} re-created: ${sqlOld.inst.name} PRIMARY, ${miOld.inst.name} seeding ${old.databaseName}`);
  return world.link;
}
