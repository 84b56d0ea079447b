import { describe, expect, it } from 'vitest';
import { HEALTH_QUERY, ROLE_QUERY, errorsOf, lab, rowsOf, run, session } from './helpers.js';

const role = async (engine: Parameters<typeof run>[0]): Promise<unknown> => rowsOf(await run(engine, ROLE_QUERY))[0]?.['Link role'];
const hardened = async (engine: Parameters<typeof run>[0]): Promise<bigint> =>
  rowsOf(await run(engine, 'SELECT last_hardened_lsn FROM sys.dm_hadr_database_replica_states WHERE is_local = 1'))[0]!.last_hardened_lsn as bigint;

describe('ALTER / DROP AVAILABILITY GROUP rules', () => {
  it.each([
    ['unknown AG', 'sql', 'ALTER AVAILABILITY GROUP [Nope] FAILOVER', 15151],
    ['SET ROLE on a local AG', 'sql', 'ALTER AVAILABILITY GROUP [AG_Sales] SET (ROLE = SECONDARY)', 41190],
    ['SET ROLE on the secondary', 'mi', 'ALTER AVAILABILITY GROUP [SalesLink] SET (ROLE = SECONDARY)', 41190],
    ['FAILOVER on the DAG secondary', 'mi', 'ALTER AVAILABILITY GROUP [SalesLink] FAILOVER', 41190],
    ['FAILOVER while asynchronous', 'sql', 'ALTER AVAILABILITY GROUP [SalesLink] FAILOVER', 41142],
    ['FAILOVER on a local AG already primary', 'sql', 'ALTER AVAILABILITY GROUP [AG_Sales] FAILOVER', 41122],
    ['FORCE_FAILOVER on the primary', 'sql', 'ALTER AVAILABILITY GROUP [SalesLink] FORCE_FAILOVER_ALLOW_DATA_LOSS', 41190],
    ['SESSION_TIMEOUT below 5', 'sql', "ALTER AVAILABILITY GROUP [AG_Sales] MODIFY REPLICA ON 'SQL01' WITH (SESSION_TIMEOUT = 4)", 41190],
    ['DROP unknown AG', 'sql', 'DROP AVAILABILITY GROUP [Nope]', 15151],
  ])('%s (%s: %s) → %i', async (_label, side, text, number) => {
    const l = lab('healthy');
    expect(errorsOf(await run(side === 'sql' ? l.sql : l.mi, text))).toEqual([number]);
  });

  it('planned failover after switching both sides to synchronous commit swaps roles (and ARM sees it)', async () => {
    const l = lab('healthy');
    const modify = "ALTER AVAILABILITY GROUP [SalesLink] MODIFY AVAILABILITY GROUP ON 'AG_Sales' WITH (AVAILABILITY_MODE = SYNCHRONOUS_COMMIT), 'AG_Sales_MI' WITH (AVAILABILITY_MODE = SYNCHRONOUS_COMMIT)";
    expect(errorsOf(await run(l.sql, modify))).toEqual([]);
    expect(errorsOf(await run(l.sql, 'ALTER AVAILABILITY GROUP [SalesLink] FAILOVER'))).toEqual([41142]);
    expect(errorsOf(await run(l.mi, modify.replace("'AG_Sales_MI'", "'mi-lab'")))).toEqual([]);
    const modes = rowsOf(await run(l.mi, "SELECT replica_server_name, availability_mode_desc FROM sys.availability_replicas WHERE replica_server_name LIKE 'AG_Sales%' ORDER BY replica_server_name"));
    expect(modes.map((m) => m.availability_mode_desc)).toEqual(['SYNCHRONOUS_COMMIT', 'SYNCHRONOUS_COMMIT']);
    l.world.advance(5_000);
    expect(await hardened(l.mi)).toBe(await hardened(l.sql));
    expect(errorsOf(await run(l.sql, 'ALTER AVAILABILITY GROUP [SalesLink] FAILOVER'))).toEqual([]);
    expect(await role(l.sql)).toBe('SECONDARY');
    expect(await role(l.mi)).toBe('PRIMARY');
    const { getLinkView } = await import('../../../src/lab/model/link-api.js');
    expect(getLinkView(l.world, 'mi-lab', 'SalesLink')?.instanceLinkRole).toBe('Primary');
  });

  it('split-brain recovery: tail-log backup, SET ROLE SECONDARY on SQL01 → one primary, LSNs converge; FAILOVER on mi-lab then swaps roles', async () => {
    const l = lab('split-brain');
    const backup = await run(l.sql, "BACKUP LOG [Sales] TO DISK = N'C:\\backup\\Sales_tail.trn' WITH NORECOVERY");
    expect(errorsOf(backup)).toEqual([]);
    expect(backup.filter((o) => o.kind === 'info').map((o) => (o as { number: number }).number)).toEqual([4035, 3014]);
    expect(rowsOf(await run(l.sql, "SELECT state_desc FROM sys.databases WHERE name = 'Sales'"))[0]!.state_desc).toBe('RESTORING');
    expect(errorsOf(await run(l.mi, 'ALTER AVAILABILITY GROUP [SalesLink] FAILOVER'))).toEqual([41190]);
    expect(errorsOf(await run(l.sql, 'USE master\nALTER AVAILABILITY GROUP [SalesLink]\nSET (ROLE = SECONDARY)\nGO'))).toEqual([]);
    expect(await role(l.sql)).toBe('SECONDARY');
    expect(await role(l.mi)).toBe('PRIMARY');
    l.world.setWorkload('mi-lab', 0);
    l.world.advance(30_000);
    expect(await hardened(l.sql)).toBe(await hardened(l.mi));
    expect(rowsOf(await run(l.mi, HEALTH_QUERY))).toEqual([{ 'Link sync health': 'HEALTHY' }]);
    // [AAG]: the source and target switch roles.
    expect(errorsOf(await run(l.mi, 'USE master\nALTER AVAILABILITY GROUP [SalesLink] FAILOVER\nGO'))).toEqual([]);
    expect(await role(l.sql)).toBe('PRIMARY');
    expect(await role(l.mi)).toBe('SECONDARY');
  });

  it('forced failover on the secondary while the primary runs produces split brain', async () => {
    const l = lab('healthy');
    expect(errorsOf(await run(l.mi, 'ALTER AVAILABILITY GROUP [SalesLink] FORCE_FAILOVER_ALLOW_DATA_LOSS'))).toEqual([]);
    expect([await role(l.sql), await role(l.mi)]).toEqual(['PRIMARY', 'PRIMARY']);
  });

  it('DROP AVAILABILITY GROUP removes the link on that side only', async () => {
    const l = lab('log-truncation');
    expect(errorsOf(await run(l.sql, 'DROP AVAILABILITY GROUP [SalesLink]'))).toEqual([]);
    expect(rowsOf(await run(l.sql, 'SELECT name FROM sys.availability_groups WHERE is_distributed = 1'))).toEqual([]);
    expect(rowsOf(await run(l.mi, 'SELECT name FROM sys.availability_groups WHERE is_distributed = 1'))).toEqual([{ name: 'SalesLink' }]);
  });
});

describe('BACKUP, certificates, endpoint', () => {
  it('MI accepts only COPY_ONLY full backups to URL; SQL Server records backupset rows', async () => {
    const l = lab('healthy');
    expect(errorsOf(await run(l.mi, "BACKUP LOG [Sales] TO URL = 'https://x/y.trn'"))).toEqual([41922, 3013]);
    expect(errorsOf(await run(l.mi, "BACKUP DATABASE [Sales] TO URL = 'https://x/y.bak'"))).toEqual([41922, 3013]);
    expect(errorsOf(await run(l.mi, "BACKUP DATABASE [Sales] TO URL = 'https://x/y.bak' WITH COPY_ONLY"))).toEqual([]);
    expect(rowsOf(await run(l.mi, "SELECT type, is_copy_only FROM msdb.dbo.backupset WHERE database_name = 'Sales'"))).toEqual([{ type: 'D', is_copy_only: true }]);
    expect(errorsOf(await run(l.sql, "BACKUP DATABASE [Nope] TO DISK = 'x'"))).toEqual([911, 3013]);
  });

  it('a log backup during seeding fails the link with 1412 when seeding completes', async () => {
    const l = lab('slow-seeding');
    l.world.link!.seeding!.transferredBytes = l.world.link!.seeding!.databaseSizeBytes - 1_000_000;
    expect(errorsOf(await run(l.sql, "BACKUP LOG [Sales] TO DISK = 'x.trn' WITH NAME = 'LSBackup_Sales'"))).toEqual([]);
    l.world.advance(10_000);
    expect(rowsOf(await run(l.sql, 'SELECT current_state, error_code FROM sys.dm_hadr_automatic_seeding'))).toEqual([{ current_state: 'FAILED', error_code: 1412 }]);
  });

  it('certificate rotation: ALTER ENDPOINT to an untrusted cert breaks the link (41973); DROP of the endpoint cert fails', async () => {
    const l = lab('healthy');
    expect(errorsOf(await run(l.sql, "CREATE CERTIFICATE [SQL01_Link_Cert_2025] WITH SUBJECT = 'SQL01 link 2025', EXPIRY_DATE = '20300101'"))).toEqual([]);
    expect(errorsOf(await run(l.sql, "CREATE CERTIFICATE [SQL01_Link_Cert_2025] WITH SUBJECT = 'again'"))).toEqual([15232]);
    const enc = rowsOf(await run(l.sql, "SELECT CERTENCODED(CERT_ID('SQL01_Link_Cert_2025')) AS pk"))[0]!.pk;
    expect(enc).toBeInstanceOf(Uint8Array);
    expect(errorsOf(await run(l.sql, 'DROP CERTIFICATE [SQL01_Link_Cert]'))).toEqual([15352]);
    expect(errorsOf(await run(l.sql, 'ALTER ENDPOINT [Hadr_endpoint] FOR DATABASE_MIRRORING (AUTHENTICATION = WINDOWS NEGOTIATE CERTIFICATE [SQL01_Link_Cert_2025], ENCRYPTION = REQUIRED ALGORITHM AES)'))).toEqual([]);
    l.world.advance(1_000);
    expect(rowsOf(await run(l.sql, HEALTH_QUERY))).toEqual([{ 'Link sync health': 'NOT_HEALTHY' }]);
    const { addTrustCertificate } = await import('../../../src/lab/model/link-api.js');
    addTrustCertificate(l.world, 'mi-lab', 'SQL01_Link_Cert_2025', enc as Uint8Array);
    l.world.advance(1_000);
    expect(rowsOf(await run(l.sql, HEALTH_QUERY))).toEqual([{ 'Link sync health': 'HEALTHY' }]);
    expect(errorsOf(await run(l.sql, 'DROP CERTIFICATE [SQL01_Link_Cert]'))).toEqual([]);
    expect(errorsOf(await run(l.sql, 'DROP CERTIFICATE [SQL01_Link_Cert]'))).toEqual([15151]);
  });

  it('sp_get_endpoint_certificate exists on the MI only', async () => {
    const l = lab('healthy');
    expect(rowsOf(await run(l.mi, 'EXEC sp_get_endpoint_certificate 4'))[0]!.endpoint_certificate).toBeInstanceOf(Uint8Array);
    expect(errorsOf(await run(l.sql, 'EXEC sp_get_endpoint_certificate 4'))).toEqual([2812]);
  });
});

describe('procedures, session statements, syntax and parameters', () => {
  it('applocks conflict across sessions and are released on session close', async () => {
    const l = lab('healthy');
    const a = session();
    const b = session();
    const lock = "DECLARE @r int\nEXEC @r = sp_getapplock @Resource = 'agmedic:SalesLink', @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = 0\nSELECT @r AS r";
    expect(rowsOf(await run(l.sql, lock, { session: a }))).toEqual([{ r: 0 }]);
    expect(rowsOf(await run(l.sql, lock, { session: b }))).toEqual([{ r: -1 }]);
    const rpc = await run(l.sql, 'EXEC sp_getapplock', {
      session: b, kind: 'rpc',
      params: [
        { name: 'Resource', type: { name: 'nvarchar', length: 255 }, value: 'agmedic:SalesLink' },
        { name: 'LockMode', type: { name: 'nvarchar', length: 32 }, value: 'Exclusive' },
        { name: 'LockOwner', type: { name: 'nvarchar', length: 32 }, value: 'Session' },
        { name: 'LockTimeout', type: { name: 'int' }, value: 0 },
      ],
    });
    expect(rpc).toEqual([{ kind: 'returnStatus', value: -1 }]);
    expect(await run(l.sql, "EXEC sp_getapplock @Resource = 'x', @LockMode = 'Bogus', @LockOwner = 'Session'", { session: b })).toEqual([{ kind: 'returnStatus', value: -999 }]);
    const release = await run(l.sql, "EXEC sp_releaseapplock @Resource = 'agmedic:SalesLink', @LockOwner = 'Session'", { session: b });
    expect(errorsOf(release)).toEqual([1223]);
    l.sql.closeSession(a);
    expect(rowsOf(await run(l.sql, lock, { session: b }))).toEqual([{ r: 0 }]);
  });

  it('sp_configure hides advanced options until show advanced options + RECONFIGURE', async () => {
    const l = lab('healthy');
    expect(errorsOf(await run(l.sql, "EXEC sp_configure 'network packet size', 8192"))).toEqual([15123]);
    await run(l.sql, "EXEC sp_configure 'show advanced options', 1\nRECONFIGURE");
    expect(errorsOf(await run(l.sql, "EXEC sp_configure 'network packet size', 99999"))).toEqual([15129]);
    const ok = await run(l.sql, "EXEC sp_configure 'network packet size', 8192");
    expect(ok.some((o) => o.kind === 'info' && o.number === 15457)).toBe(true);
    const q = "SELECT value, value_in_use FROM sys.configurations WHERE name = 'network packet size (B)'";
    expect(rowsOf(await run(l.sql, q))).toEqual([{ value: 8192, value_in_use: 4096 }]);
    await run(l.sql, 'RECONFIGURE');
    expect(rowsOf(await run(l.sql, q))).toEqual([{ value: 8192, value_in_use: 8192 }]);
  });

  it.each([
    ['FROBNICATE the server', 102],
    ['SELECT FROM WHERE', 156],
    ['ALTER AVAILABILITY GROUP [SalesLink] DANCE', 102],
    ["SELECT 'unterminated", 105],
    ['SELECT * FROM sys.no_such_view', 208],
    ['SELECT rs.no_such_column FROM sys.dm_hadr_availability_replica_states rs', 207],
    ['SELECT @undeclared', 137],
  ])('%s → %i', async (text, number) => {
    const l = lab('healthy');
    expect(errorsOf(await run(l.sql, text))).toEqual([number]);
  });

  it('a syntax error anywhere runs nothing in the batch', async () => {
    const l = lab('healthy');
    const out = await run(l.sql, 'ALTER AVAILABILITY GROUP [SalesLink] SET (ROLE = SECONDARY)\nFROBNICATE');
    expect(errorsOf(out)).toEqual([102]);
    expect(await role(l.sql)).toBe('PRIMARY');
  });

  it('bound parameters are data, never SQL text', async () => {
    const l = lab('healthy');
    const evil = "'; DROP TABLE x; --";
    const out = await run(l.sql, 'SELECT name FROM sys.availability_groups WHERE name = @link', {
      kind: 'rpc', params: [{ name: 'link', type: { name: 'nvarchar', length: 100 }, value: evil }],
    });
    expect(errorsOf(out)).toEqual([]);
    expect(rowsOf(out)).toEqual([]);
    const echo = await run(l.sql, 'SELECT @link AS v', { params: [{ name: 'link', type: { name: 'nvarchar', length: 100 }, value: evil }] });
    expect(rowsOf(echo)).toEqual([{ v: evil }]);
    const logged = l.world.statementLog.at(-1)!;
    expect(logged.text).toBe('SELECT @link AS v');
    expect(logged.params).toEqual([{ name: 'link', value: evil }]);
  });

  it('USE, functions and server properties', async () => {
    const l = lab('healthy');
    const s = session();
    const out = await run(l.mi, "USE msdb\nSELECT DB_NAME() AS db, @@SERVERNAME AS srv, SERVERPROPERTY('ProductVersion') AS v, QUOTENAME('a]b') AS q, ISNULL(NULL, 3) AS i, COUNT(*) AS n FROM dbo.backupset", { session: s });
    expect(out[0]).toEqual({ kind: 'database', name: 'msdb' });
    expect(rowsOf(out)).toEqual([{ db: 'msdb', srv: 'mi-lab', v: '12.0.2000.8', q: '[a]]b]', i: 3, n: 0 }]);
    expect(errorsOf(await run(l.sql, 'USE nowhere'))).toEqual([911]);
  });

  it('ALTER DATABASE SET HADR SUSPEND stops data movement; RESUME restarts it', async () => {
    const l = lab('healthy');
    await run(l.mi, 'ALTER DATABASE [Sales] SET HADR SUSPEND');
    l.world.advance(10_000);
    const q = 'SELECT is_suspended, synchronization_state_desc, log_send_queue_size FROM sys.dm_hadr_database_replica_states WHERE is_local = 0';
    const r = rowsOf(await run(l.sql, q))[0]!;
    expect(r.is_suspended).toBe(true);
    expect(r.log_send_queue_size as number).toBeGreaterThan(0);
    await run(l.mi, 'ALTER DATABASE [Sales] SET HADR RESUME');
    l.world.advance(10_000);
    expect(rowsOf(await run(l.sql, q))[0]!.is_suspended).toBe(false);
  });
});
