import { describe, expect, it } from 'vitest';
import { getLinkView } from '../../../src/lab/model/link-api.js';
import { ESTIMATE_QUERY, HEALTH_QUERY, ROLE_QUERY, SEEDING_QUERY, errorsOf, lab, rowsOf, run } from './helpers.js';

const role = async (engine: Parameters<typeof run>[0]): Promise<unknown> => rowsOf(await run(engine, ROLE_QUERY))[0]?.['Link role'];

describe('scenarios as a DBA observes them (seed queries verbatim)', () => {
  it('healthy: SQL01 PRIMARY, mi-lab SECONDARY, HEALTHY on the primary, no rows on the secondary', async () => {
    const l = lab('healthy');
    expect(await role(l.sql)).toBe('PRIMARY');
    expect(await role(l.mi)).toBe('SECONDARY');
    expect(rowsOf(await run(l.sql, HEALTH_QUERY))).toEqual([{ 'Link sync health': 'HEALTHY' }]);
    expect(rowsOf(await run(l.mi, HEALTH_QUERY))).toEqual([]);
    expect(getLinkView(l.world, 'mi-lab', 'SalesLink')?.databases[0]?.replicaState).toBe('LinkSynchronizing');
  });

  it('split-brain: both PRIMARY, hardened LSNs and last_commit_time differ and keep diverging', async () => {
    const l = lab('split-brain');
    expect(await role(l.sql)).toBe('PRIMARY');
    expect(await role(l.mi)).toBe('PRIMARY');
    const q = 'SELECT last_hardened_lsn, last_commit_time FROM sys.dm_hadr_database_replica_states WHERE is_local = 1';
    const a = rowsOf(await run(l.sql, q))[0]!;
    const b = rowsOf(await run(l.mi, q))[0]!;
    expect(a.last_hardened_lsn).not.toEqual(b.last_hardened_lsn);
    expect((a.last_commit_time as Date).getTime()).not.toBe((b.last_commit_time as Date).getTime());
    expect(rowsOf(await run(l.sql, HEALTH_QUERY))).toEqual([{ 'Link sync health': 'NOT_HEALTHY' }]);
    l.world.advance(60_000);
    const a2 = rowsOf(await run(l.sql, q))[0]!;
    expect((a2.last_hardened_lsn as bigint) > (a.last_hardened_lsn as bigint)).toBe(true);
  });

  it('cert-expired: endpoint certificate expired, NOT_HEALTHY with 41973, ARM shows the expiry', async () => {
    const l = lab('cert-expired');
    const cert = rowsOf(
      await run(l.sql, 'SELECT c.name, c.expiry_date, c.thumbprint FROM sys.database_mirroring_endpoints e JOIN sys.certificates c ON e.certificate_id = c.certificate_id'),
    )[0]!;
    expect(cert.name).toBe('SQL01_Link_Cert');
    expect((cert.expiry_date as Date).getTime()).toBeLessThan(l.world.now());
    expect(cert.thumbprint).toBeInstanceOf(Uint8Array);
    expect(rowsOf(await run(l.sql, HEALTH_QUERY))).toEqual([{ 'Link sync health': 'NOT_HEALTHY' }]);
    const rs = rowsOf(await run(l.sql, 'SELECT connected_state_desc, last_connect_error_number FROM sys.dm_hadr_availability_replica_states WHERE is_local = 0'));
    expect(rs).toEqual([{ connected_state_desc: 'DISCONNECTED', last_connect_error_number: 41973 }]);
    const db = getLinkView(l.world, 'mi-lab', 'SalesLink')!.databases[0]!;
    expect(db.connectedState).toBe('Disconnected');
    expect(db.mostRecentLinkError).toMatch(/^41973/);
    expect(Date.parse(db.partnerAuthCertValidity!.expiryDate)).toBeLessThan(l.world.now());
  });

  it('log-truncation: LSBackup_Sales log backups after seeding started, seeding FAILED 1412, LinkCreationError', async () => {
    const l = lab('log-truncation');
    const backups = rowsOf(
      await run(l.sql, `SELECT b.name, b.type, b.backup_start_date FROM msdb.dbo.backupset b
        JOIN sys.dm_hadr_automatic_seeding s ON b.backup_start_date > s.start_time
        WHERE b.type = 'L' AND b.database_name = 'Sales' ORDER BY b.backup_start_date`),
    );
    expect(backups.length).toBe(4);
    expect(new Set(backups.map((b) => b.name))).toEqual(new Set(['LSBackup_Sales']));
    expect(rowsOf(await run(l.sql, 'SELECT current_state, error_code FROM sys.dm_hadr_automatic_seeding'))).toEqual([{ current_state: 'FAILED', error_code: 1412 }]);
    const view = getLinkView(l.world, 'mi-lab', 'SalesLink')!;
    expect(view.databases[0]!.replicaState).toBe('LinkCreationError');
    expect(view.databases[0]!.mostRecentLinkError).toMatch(/^1412/);
  });

  it('flow-control: send queue grows, HADR_TRANSPORT_FLOW_CONTROL waits accumulate, log pinned', async () => {
    const l = lab('flow-control');
    const queue = async (): Promise<number> =>
      rowsOf(await run(l.sql, 'SELECT log_send_queue_size FROM sys.dm_hadr_database_replica_states WHERE is_local = 0'))[0]!.log_send_queue_size as number;
    const waits = async (): Promise<Record<string, unknown>> =>
      rowsOf(await run(l.sql, "SELECT wait_type, waiting_tasks_count, wait_time_ms, wait_time_ms / NULLIF(waiting_tasks_count, 0) AS avg_wait_time_ms FROM sys.dm_os_wait_stats WHERE wait_type = 'HADR_TRANSPORT_FLOW_CONTROL'"))[0]!;
    const q0 = await queue();
    const w0 = await waits();
    expect(q0).toBeGreaterThan(16384 * 4);
    l.world.advance(120_000);
    expect(await queue()).toBeGreaterThan(q0);
    const w1 = await waits();
    expect(w1.wait_time_ms as number).toBeGreaterThan(w0.wait_time_ms as number);
    expect(w1.waiting_tasks_count as number).toBeGreaterThan(w0.waiting_tasks_count as number);
    expect(rowsOf(await run(l.sql, "SELECT log_reuse_wait_desc FROM sys.databases WHERE name = 'Sales'"))).toEqual([{ log_reuse_wait_desc: 'AVAILABILITY_REPLICA' }]);
    expect(rowsOf(await run(l.sql, HEALTH_QUERY))).toEqual([{ 'Link sync health': 'HEALTHY' }]);
  });

  it('slow-seeding: seeding join shows the transfer; the estimate lies more than 6 days after the start', async () => {
    const l = lab('slow-seeding');
    const row = rowsOf(await run(l.sql, SEEDING_QUERY))[0]!;
    expect(row['Current state']).toBe('SEEDING');
    expect(row['Transfer rate MB/s']).toBe(3);
    expect(row['Transferred MB'] as number).toBeLessThan(row['Database size MB'] as number);
    const days = ((row['Estimated time complete UTC'] as Date).getTime() - (row['Start time UTC'] as Date).getTime()) / 86_400_000;
    expect(days).toBeGreaterThan(6);
    const est = await run(l.sql, ESTIMATE_QUERY);
    expect(errorsOf(est)).toEqual([]);
    expect(rowsOf(est)[0]!['Estimated complete time']).toMatch(/^\d\d:\d\d:\d\d$/);
    expect(getLinkView(l.world, 'mi-lab', 'SalesLink')!.databases[0]!.replicaState).toBe('Seeding');
  });
});
