import { AgmedicError } from '../../errors.js';
import type { LabWorld } from './lab-world.js';

/**
 * A managed instance's update policy, ARM's `databaseFormat` [FO]: `SQLServer2022` and `SQLServer2025`
 * keep the database format of that SQL Server version (a failover back to it stays possible);
 * `AlwaysUpToDate` moves ahead of every SQL Server release, so a failover to the MI is one-way.
 */
export const DATABASE_FORMATS = ['AlwaysUpToDate', 'SQLServer2022', 'SQLServer2025'] as const;
export type DatabaseFormatName = (typeof DATABASE_FORMATS)[number];

/** Azure's default update policy for a new managed instance. */
export const DEFAULT_DATABASE_FORMAT: DatabaseFormatName = 'SQLServer2022';

// Kept beside the world rather than in its instance records: only ARM shows it, and the T-SQL
// side (SERVERPROPERTY etc.) does not depend on it in the lab.
const formats = new WeakMap<LabWorld, Map<string, DatabaseFormatName>>();

/**
 * Sets the update policy of managed instance `mi`.
 *
 * @example
 * setDatabaseFormat(world, 'mi-lab', 'AlwaysUpToDate');
 */
export function setDatabaseFormat(world: LabWorld, mi: string, format: string): void {
  const found = DATABASE_FORMATS.find((f) => f.toLowerCase() === format.toLowerCase());
  if (found === undefined) throw new AgmedicError('LAB_CONTROL', `databaseFormat must be one of ${DATABASE_FORMATS.join(', ')}, not "${format}"`);
  const inst = world.instance(mi);
  if (inst.kind !== 'mi') throw new AgmedicError('LAB_CONTROL', `${mi} is not a managed instance; only a managed instance has an update policy`);
  let map = formats.get(world);
  if (!map) formats.set(world, (map = new Map()));
  map.set(inst.name.toLowerCase(), found);
  world.touch();
}

/**
 * The update policy of managed instance `mi` (the default when never set).
 *
 * @example
 * databaseFormatOf(world, 'mi-lab'); // 'SQLServer2022'
 */
export function databaseFormatOf(world: LabWorld, mi: string): DatabaseFormatName {
  return formats.get(world)?.get(world.instance(mi).name.toLowerCase()) ?? DEFAULT_DATABASE_FORMAT;
}
