/**
 * Dynamics of issue #3 item 4 not covered elsewhere, observed the way a DBA would: through DMVs and ARM.
 */
import { describe, expect, it } from 'vitest';
import { getLinkView } from '../../../src/lab/model/link-api.js';
import { HEALTH_QUERY, lab, rowsOf, run } from '../sql/helpers.js';

describe('scenario dynamics', () => {
  it('a certificate that expires while the link runs breaks it with 41973', async () => {
    const l = lab('healthy');
    const cert = l.world.instance('SQL01').certificates.find((c) => c.name === 'SQL01_Link_Cert')!;
    cert.expiryDate = l.world.now() + 60_000;
    l.world.advance(30_000);
    expect(rowsOf(await run(l.sql, HEALTH_QUERY))).toEqual([{ 'Link sync health': 'HEALTHY' }]);
    l.world.advance(60_000);
    expect(rowsOf(await run(l.sql, HEALTH_QUERY))).toEqual([{ 'Link sync health': 'NOT_HEALTHY' }]);
    const rs = rowsOf(await run(l.sql, 'SELECT connected_state_desc, last_connect_error_number FROM sys.dm_hadr_availability_replica_states WHERE is_local = 0'));
    expect(rs).toEqual([{ connected_state_desc: 'DISCONNECTED', last_connect_error_number: 41973 }]);
    expect(getLinkView(l.world, 'mi-lab', 'SalesLink')!.databases[0]!.mostRecentLinkError).toMatch(/^41973/);
  });

  it('flow-control: DBMIRROR_SEND accumulates too, and stops once the workload stops and the queue drains', async () => {
    const l = lab('flow-control');
    const q = "SELECT wait_type, wait_time_ms FROM sys.dm_os_wait_stats WHERE wait_type IN ('DBMIRROR_SEND', 'HADR_TRANSPORT_FLOW_CONTROL') ORDER BY wait_type";
    const w0 = rowsOf(await run(l.sql, q));
    l.world.advance(60_000);
    const w1 = rowsOf(await run(l.sql, q));
    expect(w1[0]!.wait_time_ms as number).toBeGreaterThan(w0[0]!.wait_time_ms as number);
    expect(w1[1]!.wait_time_ms as number).toBeGreaterThan(w0[1]!.wait_time_ms as number);
    l.world.setWorkload('SQL01', 0);
    l.world.advance(600_000);
    const w2 = rowsOf(await run(l.sql, q));
    l.world.advance(60_000);
    expect(rowsOf(await run(l.sql, q))).toEqual(w2);
    expect(rowsOf(await run(l.sql, 'SELECT log_send_queue_size FROM sys.dm_hadr_database_replica_states WHERE is_local = 0'))).toEqual([{ log_send_queue_size: 0 }]);
  });

  it('redo catches up on the secondary and LSNs advance with the workload', async () => {
    const l = lab('healthy');
    l.world.link!.redoBytesPerSec = 1_048_576;
    const q = 'SELECT redo_queue_size, last_hardened_lsn FROM sys.dm_hadr_database_replica_states WHERE is_local = 0';
    const start = rowsOf(await run(l.sql, q))[0]!;
    l.world.advance(10_000);
    const a = rowsOf(await run(l.sql, q))[0]!;
    expect((a.last_hardened_lsn as bigint) > (start.last_hardened_lsn as bigint)).toBe(true);
    expect(a.redo_queue_size as number).toBeGreaterThan(0);
    l.world.setWorkload('SQL01', 0);
    l.world.advance(120_000);
    const b = rowsOf(await run(l.sql, q))[0]!;
    expect(b.redo_queue_size).toBe(0);
  });

  it('a log backup during seeding ends in 1412 and LinkCreationError in ARM once seeding completes', async () => {
    const l = lab('slow-seeding');
    l.world.link!.seeding!.transferredBytes = l.world.link!.seeding!.databaseSizeBytes - 3_145_728 * 5;
    expect(getLinkView(l.world, 'mi-lab', 'SalesLink')!.databases[0]!.replicaState).toBe('Seeding');
    await run(l.sql, "BACKUP LOG [Sales] TO DISK = 'x.trn' WITH NAME = 'LSBackup_Sales'");
    l.world.advance(10_000);
    const db = getLinkView(l.world, 'mi-lab', 'SalesLink')!.databases[0]!;
    expect(db.replicaState).toBe('LinkCreationError');
    expect(db.mostRecentLinkError).toMatch(/^1412/);
    expect(rowsOf(await run(l.sql, 'SELECT current_state, error_code FROM sys.dm_hadr_automatic_seeding'))).toEqual([{ current_state: 'FAILED', error_code: 1412 }]);
  });

  it('seeding without log backups completes and the link starts synchronizing', async () => {
    const l = lab('slow-seeding');
    l.world.link!.seeding!.transferredBytes = l.world.link!.seeding!.databaseSizeBytes - 3_145_728 * 5;
    l.world.advance(10_000);
    expect(rowsOf(await run(l.sql, 'SELECT current_state FROM sys.dm_hadr_automatic_seeding'))).toEqual([{ current_state: 'COMPLETED' }]);
    expect(rowsOf(await run(l.sql, 'SELECT COUNT(*) AS n FROM sys.dm_hadr_physical_seeding_stats'))).toEqual([{ n: 0 }]);
    l.world.advance(60_000);
    expect(rowsOf(await run(l.sql, HEALTH_QUERY))).toEqual([{ 'Link sync health': 'HEALTHY' }]);
  });
});
