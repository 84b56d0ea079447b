/**
 * The lab's link role changes against Microsoft's pages (quotes from ../shared/domain.md):
 *
 * [AAG] docs/t-sql/statements/alter-availability-group-transact-sql.md, FAILOVER on a distributed AG:
 *   "you must issue the failover command on the primary replica"; it "returns after a successful failover
 *   where the source and target switch roles"; "failover is only supported to a synchronous-commit
 *   secondary replica that's currently synchronized with the primary".
 * [BP] azure-sql/managed-instance/managed-instance-link-best-practices.md: "During a planned link failover,
 *   replication temporarily switches to synchronous commit mode until the failover completes. After
 *   failover, the commit mode switches back to asynchronous".
 * [FO] azure-sql/managed-instance/managed-instance-link-failover-how-to.md: switch to synchronous commit
 *   before failing over to the MI; skip the switch when failing over from the MI to SQL Server 2022.
 * [TS] azure-sql/managed-instance/managed-instance-link-troubleshoot-how-to.md: split brain is resolved by
 *   SET (ROLE = SECONDARY) on the old primary (after backing it up); its divergent log is reverted as it
 *   resynchronizes.
 */
import { describe, expect, it } from 'vitest';
import { errorsOf, lab, rowsOf, run, ROLE_QUERY } from '../sql/helpers.js';
import type { SqlEngine } from '../../../src/lab/engine-types.js';

const role = async (e: SqlEngine): Promise<unknown> => rowsOf(await run(e, ROLE_QUERY))[0]?.['Link role'];
const lsns = async (e: SqlEngine): Promise<{ hardened: bigint; end: bigint }> => {
  const r = rowsOf(await run(e, 'SELECT last_hardened_lsn, end_of_log_lsn FROM sys.dm_hadr_database_replica_states WHERE is_local = 1'))[0]!;
  return { hardened: r.last_hardened_lsn as bigint, end: r.end_of_log_lsn as bigint };
};
const modes = async (e: SqlEngine): Promise<unknown[]> =>
  rowsOf(await run(e, "SELECT availability_mode_desc FROM sys.availability_replicas WHERE replica_server_name LIKE 'AG_Sales%' ORDER BY replica_server_name")).map((r) => r.availability_mode_desc);
const SYNC = "ALTER AVAILABILITY GROUP [SalesLink] MODIFY AVAILABILITY GROUP ON 'AG_Sales' WITH (AVAILABILITY_MODE = SYNCHRONOUS_COMMIT), 'AG_Sales_MI' WITH (AVAILABILITY_MODE = SYNCHRONOUS_COMMIT)";

describe('[AAG] FAILOVER on a link', () => {
  it('"issue the failover command on the primary replica": refused on the secondary (41190)', async () => {
    const l = lab('healthy');
    expect(errorsOf(await run(l.mi, 'ALTER AVAILABILITY GROUP [SalesLink] FAILOVER'))).toEqual([41190]);
  });

  it('"only … to a synchronous-commit secondary": refused from SQL Server while asynchronous (41142)', async () => {
    const l = lab('healthy');
    l.world.setWorkload('SQL01', 0);
    l.world.advance(5_000);
    expect(errorsOf(await run(l.sql, 'ALTER AVAILABILITY GROUP [SalesLink] FAILOVER'))).toEqual([41142]);
    expect(await role(l.sql)).toBe('PRIMARY');
  });

  it('"… that\'s currently synchronized": refused while the secondary is behind (41142)', async () => {
    const l = lab('healthy');
    expect(errorsOf(await run(l.sql, SYNC))).toEqual([]);
    expect(errorsOf(await run(l.mi, SYNC))).toEqual([]);
    l.world.partitionLink(true);
    l.world.advance(5_000);
    l.world.partitionLink(false);
    expect(errorsOf(await run(l.sql, 'ALTER AVAILABILITY GROUP [SalesLink] FAILOVER'))).toEqual([41142]);
  });

  it('"the source and target switch roles"; [BP] commit mode back to asynchronous afterwards', async () => {
    const l = lab('healthy');
    expect(errorsOf(await run(l.sql, SYNC))).toEqual([]);
    expect(errorsOf(await run(l.mi, SYNC))).toEqual([]);
    l.world.advance(5_000);
    expect(errorsOf(await run(l.sql, 'ALTER AVAILABILITY GROUP [SalesLink] FAILOVER'))).toEqual([]);
    expect([await role(l.sql), await role(l.mi)]).toEqual(['SECONDARY', 'PRIMARY']);
    expect(await modes(l.sql)).toEqual(['ASYNCHRONOUS_COMMIT', 'ASYNCHRONOUS_COMMIT']);
    expect(await modes(l.mi)).toEqual(['ASYNCHRONOUS_COMMIT', 'ASYNCHRONOUS_COMMIT']);
  });

  it('[FO]/[BP] from the MI back to SQL Server: no switch to synchronous needed once the secondary is synchronized', async () => {
    const l = lab('healthy');
    expect(errorsOf(await run(l.sql, SYNC))).toEqual([]);
    expect(errorsOf(await run(l.mi, SYNC))).toEqual([]);
    l.world.advance(5_000);
    expect(errorsOf(await run(l.sql, 'ALTER AVAILABILITY GROUP [SalesLink] FAILOVER'))).toEqual([]);
    l.world.setWorkload('mi-lab', 0);
    l.world.advance(5_000);
    expect(errorsOf(await run(l.mi, 'ALTER AVAILABILITY GROUP [SalesLink] FAILOVER'))).toEqual([]);
    expect([await role(l.sql), await role(l.mi)]).toEqual(['PRIMARY', 'SECONDARY']);
  });
});

describe('[TS] split brain: SET (ROLE = SECONDARY), resynchronization, then FAILOVER swaps roles', () => {
  it('FAILOVER is refused while both sides are PRIMARY (41190)', async () => {
    const l = lab('split-brain');
    expect(errorsOf(await run(l.mi, 'ALTER AVAILABILITY GROUP [SalesLink] FAILOVER'))).toEqual([41190]);
  });

  it('the demoted side reverts its divergent log and resynchronizes from the kept primary', async () => {
    const l = lab('split-brain');
    const before = await lsns(l.sql);
    expect(errorsOf(await run(l.sql, 'ALTER AVAILABILITY GROUP [SalesLink] SET (ROLE = SECONDARY)'))).toEqual([]);
    // Its log past the fork point is gone: it is now behind where it was as a primary.
    expect((await lsns(l.sql)).end < before.end).toBe(true);
    expect([await role(l.sql), await role(l.mi)]).toEqual(['SECONDARY', 'PRIMARY']);
    l.world.setWorkload('mi-lab', 0);
    l.world.advance(10_000);
    expect((await lsns(l.sql)).hardened).toBe((await lsns(l.mi)).end);
    const health = rowsOf(await run(l.mi, `SELECT rs.synchronization_health_desc AS health FROM sys.availability_groups ag
      JOIN sys.dm_hadr_availability_replica_states rs ON ag.group_id = rs.group_id WHERE ag.name = 'SalesLink' AND rs.is_local = 0`));
    expect(health).toEqual([{ health: 'HEALTHY' }]);
  });

  it('the FAILOVER [TS] runs next on the MI makes the demoted SQL Server PRIMARY (it does not keep the MI primary)', async () => {
    const l = lab('split-brain');
    expect(errorsOf(await run(l.sql, 'ALTER AVAILABILITY GROUP [SalesLink] SET (ROLE = SECONDARY)'))).toEqual([]);
    // With the MI's application still writing, SQL Server is never synchronized: refused.
    l.world.advance(5_000);
    expect(errorsOf(await run(l.mi, 'ALTER AVAILABILITY GROUP [SalesLink] FAILOVER'))).toEqual([41142]);
    l.world.setWorkload('mi-lab', 0);
    l.world.advance(5_000);
    expect(errorsOf(await run(l.mi, 'ALTER AVAILABILITY GROUP [SalesLink] FAILOVER'))).toEqual([]);
    expect([await role(l.sql), await role(l.mi)]).toEqual(['PRIMARY', 'SECONDARY']);
  });
});
