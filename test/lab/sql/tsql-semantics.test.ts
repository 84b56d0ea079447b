/**
 * Issue 11 / 14: T-SQL semantics the lab shares with SQL Server, over TDS with the real mssql driver:
 * batches and control flow, errors with their numbers, transactions, nesting limit, CI collation,
 * integer division, temp tables.
 */
import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../../../src/lab/index.js';

let lab: Lab;
let pool: sql.ConnectionPool;
beforeAll(async () => {
  lab = await startLab({ password: 'semantics-pw' });
  pool = await new sql.ConnectionPool({ server: lab.sqlserver.host, port: lab.sqlserver.port, user: lab.login, password: lab.password, options: { encrypt: false }, pool: { max: 1 } }).connect();
}, 30_000);
afterAll(async () => {
  await pool?.close();
  await lab?.close();
});

const q = async (text: string): Promise<sql.IResult<Record<string, unknown>>> => pool.request().query(text);
const errorOf = async (text: string): Promise<{ number?: number; class?: number; lineNumber?: number; state?: number }> =>
  q(text).then(
    () => ({}),
    (e: { number?: number; class?: number; lineNumber?: number; state?: number; originalError?: { info?: { number?: number; class?: number; lineNumber?: number; state?: number } } }) => e.originalError?.info ?? e,
  );

describe('T-SQL semantics over TDS', () => {
  it('IF/ELSE, BEGIN…END, WHILE with BREAK, variables, PRINT as INFO', async () => {
    const infos: number[] = [];
    const req = pool.request();
    req.on('info', (m: { number: number }) => infos.push(m.number));
    const r = await req.query(`DECLARE @i int = 0, @s int = 0
      WHILE @i < 10 BEGIN SET @i = @i + 1; IF @i = 7 BREAK; SET @s = @s + @i END
      IF @s = 21 SELECT @s AS s ELSE SELECT -1 AS s
      PRINT 'done'`);
    expect(r.recordset).toEqual([{ s: 21 }]);
    expect(infos).toEqual([0]);
  });

  it('TRY…CATCH reports the caught error through ERROR_NUMBER(); RAISERROR and THROW keep number, severity, state and line', async () => {
    const r = await q('BEGIN TRY SELECT 1/0 AS x END TRY BEGIN CATCH SELECT ERROR_NUMBER() AS n, ERROR_SEVERITY() AS sev, ERROR_LINE() AS line END CATCH');
    expect(r.recordsets.at(-1)).toEqual([{ n: 8134, sev: 16, line: 1 }]);
    expect(await errorOf("SELECT 1\nRAISERROR('bad %s', 16, 3, 'x')")).toMatchObject({ number: 50000, class: 16, state: 3, lineNumber: 2 });
    expect(await errorOf("THROW 51000, 'no', 2")).toMatchObject({ number: 51000, class: 16, state: 2 });
    expect(await errorOf("THROW 100, 'no', 2")).toMatchObject({ number: 35100 });
  });

  it('errors carry SQL Server numbers: 208, 207, 195, 102, 8134, 137', async () => {
    expect((await errorOf('SELECT * FROM sys.nothing_here')).number).toBe(208);
    expect((await errorOf('SELECT nope FROM sys.databases')).number).toBe(207);
    expect((await errorOf('SELECT no_such_fn(1)')).number).toBe(195);
    expect((await errorOf('SELECT 1 +')).number).toBe(102);
    expect((await errorOf('SELECT 5 / 0')).number).toBe(8134);
    expect((await errorOf('SELECT @undeclared')).number).toBe(137);
  });

  it('collation SQL_Latin1_General_CP1_CI_AS: names, functions and string equality ignore case; integer division', async () => {
    const r = await q("SELECT NAME, db_name() AS d, 5/2 AS i, 5/2.0 AS f FROM SYS.DATABASES WHERE name = 'SALES'");
    expect(r.recordset).toEqual([{ NAME: 'Sales', d: 'master', i: 2, f: 2.5 }]);
    expect((await q("SELECT COUNT(*) AS n FROM sys.databases WHERE name <> 'MASTER'")).recordset).toEqual([{ n: 4 }]);
    expect((await q("SELECT MAX(name) AS mx, MIN(name) AS mn, LEFT('Sales', 2) AS l, RIGHT('Sales', 2) AS r, CHARINDEX('L', 'Sales') AS c, STUFF('abc', 2, 1, 'X') AS s FROM sys.databases")).recordset)
      .toEqual([{ mx: 'tempdb', mn: 'master', l: 'Sa', r: 'es', c: 3, s: 'aXc' }]);
    expect((await q('SELECT name FROM sys.databases ORDER BY name')).recordset.map((r) => r.name)).toEqual(['master', 'model', 'msdb', 'Sales', 'tempdb']);
    // datetime minus a number of days (tempdb is recreated at startup; the others are older).
    expect((await q('SELECT COUNT(*) AS n FROM sys.databases WHERE create_date > GETDATE() - 30')).recordset).toEqual([{ n: 1 }]);
    // A window that orders rows would be numbered wrongly by alasql: refused, never answered wrongly.
    expect((await errorOf('SELECT ROW_NUMBER() OVER (ORDER BY name) AS rn FROM sys.databases')).number).toBe(40000);
  });

  it('temp tables last for the session, table variables for the batch', async () => {
    await q("CREATE TABLE #t (id int IDENTITY(1,1), name nvarchar(128)); INSERT INTO #t (name) SELECT name FROM sys.databases WHERE database_id > 4");
    expect((await q('SELECT id, name FROM #t')).recordset).toEqual([{ id: 1, name: 'Sales' }]);
    expect((await q("SELECT CASE WHEN OBJECT_ID('tempdb..#t') IS NULL THEN 0 ELSE 1 END AS e")).recordset).toEqual([{ e: 1 }]);
    await q('DECLARE @v TABLE (n int); INSERT INTO @v VALUES (1), (2)');
    expect((await errorOf('SELECT * FROM @v')).number).toBe(1087);
    await q('DROP TABLE #t');
    expect((await errorOf('SELECT * FROM #t')).number).toBe(208);
  });

  it('transactions: @@TRANCOUNT, mssql Transaction (TM requests), implicit transactions, 3902, and refusals inside one', async () => {
    expect((await q('BEGIN TRAN; BEGIN TRANSACTION; SELECT @@TRANCOUNT AS n; COMMIT; ROLLBACK')).recordset).toEqual([{ n: 2 }]);
    expect((await errorOf('COMMIT TRANSACTION')).number).toBe(3902);
    const tx = new sql.Transaction(pool);
    await tx.begin();
    expect((await new sql.Request(tx).query('SELECT @@TRANCOUNT AS n')).recordset).toEqual([{ n: 1 }]);
    await tx.commit();
    expect((await q('SET IMPLICIT_TRANSACTIONS ON; SELECT 1 AS x FROM sys.databases WHERE 1 = 0; SELECT @@TRANCOUNT AS n')).recordsets.at(-1)).toEqual([{ n: 1 }]);
    expect((await errorOf("BACKUP LOG [Sales] TO DISK = N'x.trn'")).number).toBe(3021);
    await q('IF @@TRANCOUNT > 0 COMMIT TRAN; SET IMPLICIT_TRANSACTIONS OFF');
    expect((await q('SELECT @@TRANCOUNT AS n')).recordset).toEqual([{ n: 0 }]);
  });

  it('nesting beyond the limit is Msg 191 at once, and the lab keeps answering', async () => {
    for (const depth of [20_000, 200_000]) {
      const started = performance.now();
      expect((await errorOf(`SELECT ${'('.repeat(depth)}1${')'.repeat(depth)}`)).number).toBe(191);
      expect(performance.now() - started).toBeLessThan(2000);
    }
    expect((await q('SELECT 1 AS one')).recordset).toEqual([{ one: 1 }]);
  });
});
