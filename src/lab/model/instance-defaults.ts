import type { ConfigEntry, DatabaseState } from './types.js';

/** The system databases plus Sales, with SQL Server's fixed database_ids for the system ones. */
export function defaultDatabases(now: number): DatabaseState[] {
  const day = 86_400_000;
  return [
    { name: 'master', databaseId: 1, recoveryModel: 'SIMPLE', logReuseWaitDesc: 'NOTHING', stateDesc: 'ONLINE', createDate: now - 900 * day, sizeBytes: 6 << 20 },
    { name: 'tempdb', databaseId: 2, recoveryModel: 'SIMPLE', logReuseWaitDesc: 'NOTHING', stateDesc: 'ONLINE', createDate: now - 3 * day, sizeBytes: 16 << 20 },
    { name: 'model', databaseId: 3, recoveryModel: 'FULL', logReuseWaitDesc: 'NOTHING', stateDesc: 'ONLINE', createDate: now - 900 * day, sizeBytes: 16 << 20 },
    { name: 'msdb', databaseId: 4, recoveryModel: 'SIMPLE', logReuseWaitDesc: 'NOTHING', stateDesc: 'ONLINE', createDate: now - 900 * day, sizeBytes: 40 << 20 },
    { name: 'Sales', databaseId: 5, recoveryModel: 'FULL', logReuseWaitDesc: 'NOTHING', stateDesc: 'ONLINE', createDate: now - 400 * day, sizeBytes: 100 * 1024 ** 3 },
  ];
}

function cfg(configurationId: number, name: string, value: number, minimum: number, maximum: number, isAdvanced: boolean, description: string): ConfigEntry {
  return { configurationId, name, value, valueInUse: value, minimum, maximum, description, isDynamic: true, isAdvanced };
}

/** A subset of sys.configurations with SQL Server's ids, names, ranges and defaults. */
export function defaultConfigurations(): ConfigEntry[] {
  return [
    cfg(505, 'network packet size (B)', 4096, 512, 32767, true, 'Network packet size'),
    cfg(518, 'show advanced options', 0, 0, 1, false, 'show advanced options'),
    cfg(1538, 'cost threshold for parallelism', 5, 0, 32767, true, 'cost threshold for parallelism'),
    cfg(1539, 'max degree of parallelism', 0, 0, 32767, true, 'maximum degree of parallelism'),
    cfg(1544, 'max server memory (MB)', 2147483647, 128, 2147483647, true, 'Maximum size of server memory (MB)'),
    cfg(1576, 'remote admin connections', 0, 0, 1, false, 'Dedicated Admin Connections are allowed from remote clients'),
    cfg(1579, 'backup compression default', 0, 0, 1, false, 'Enable compression of backups by default'),
    cfg(16387, 'Agent XPs', 1, 0, 1, true, 'Enable or disable Agent XPs'),
  ];
}
