import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlTarget } from '../../src/adapters/mssql-target.js';
import { createWorld, LAB_NAMES } from '../../src/lab/model/create-world.js';
import { createInstanceEngine } from '../../src/lab/sql/create-instance-engine.js';
import { startTdsServer, type TdsServer } from '../../src/lab/tds/index.js';
import { Secret } from '../../src/ports/secret.js';
import type { SqlTarget, TargetConfig } from '../../src/ports/sql-target.js';

// The same adapter against the lab's full simulated instance (not the adapter tests' small engine).
let server: TdsServer;
let target: SqlTarget;
let other: SqlTarget;
beforeAll(async () => {
  const world = createWorld({
    name: 'adapter-smoke',
    start: '2025-06-01T08:00:00Z',
    link: { bandwidthBytesPerSec: 10_000_000, redoBytesPerSec: 10_000_000, replicationMode: 'Async', roles: { sqlserver: 'PRIMARY', mi: 'SECONDARY' }, sqlLogPos: 1_000_000 },
  });
  server = await startTdsServer({ engine: createInstanceEngine(world, LAB_NAMES.sqlserver), port: 0 });
  const config: TargetConfig = {
    role: 'sqlserver', server: '127.0.0.1', port: server.port, encrypt: false, trustServerCertificate: true,
    connectTimeoutMs: 5000, requestTimeoutMs: 5000, auth: { type: 'sql', user: 'sa', passwordEnv: 'X' },
  };
  target = await openSqlTarget('sqlserver', config, new Secret(LAB_NAMES.password));
  other = await openSqlTarget('sqlserver-2', config, new Secret(LAB_NAMES.password));
});
afterAll(async () => {
  await Promise.allSettled([target?.close(), other?.close()]);
  await server?.close();
});

describe('mssql adapter against the lab instance', () => {
  it('reads the link role with a bound parameter', async () => {
    const { rows } = await target.query(
      `SELECT ag.name AS name, rs.role_desc AS role
       FROM sys.availability_groups ag
       JOIN sys.dm_hadr_availability_replica_states rs ON ag.group_id = rs.group_id
       WHERE rs.is_local = 1 AND ag.is_distributed = 1 AND ag.name = @link`,
      [{ name: 'link', value: LAB_NAMES.dag }],
      {},
    );
    expect(rows).toEqual([{ name: LAB_NAMES.dag, role: 'PRIMARY' }]);
  });

  it('takes the run lock and refuses a second holder', async () => {
    expect((await target.acquireLock('agmedic:SalesLink', { timeoutMs: 0 })).returnCode).toBe(0);
    await expect(other.acquireLock('agmedic:SalesLink', { timeoutMs: 0 })).rejects.toMatchObject({ code: 'LOCK_HELD' });
    await target.releaseLock('agmedic:SalesLink');
    expect((await other.acquireLock('agmedic:SalesLink', { timeoutMs: 0 })).returnCode).toBe(0);
  });
});
