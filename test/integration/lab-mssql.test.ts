/**
 * The composed lab (startLab) through the real `mssql` driver over TCP: what runbooks and DBAs send.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sql from 'mssql';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../../src/lab/index.js';
import { targetsFileSchema } from '../../src/runtime/targets/targets-schema.js';
import { labConfig, poolTracker, ROLE_QUERY } from './helpers/lab-client.js';

let lab: Lab;
let dir: string;
const pools = poolTracker();
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'agmedic-lab-mssql-'));
  lab = await startLab({ scenario: 'healthy', statementLogFile: join(dir, 'statements.jsonl'), targetsOut: join(dir, 'targets.yaml') });
});
afterAll(async () => {
  await pools.closeAll();
  await lab.close();
  rmSync(dir, { recursive: true, force: true });
});

const errorOf = (p: Promise<unknown>): Promise<sql.RequestError> =>
  p.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (e: unknown) => e as sql.RequestError,
  );

describe('startLab + mssql', () => {
  it('logs in to both instances and answers @@SERVERNAME and the role query', async () => {
    const sqlPool = await pools.open(lab, lab.sqlserver);
    const miPool = await pools.open(lab, lab.mi);
    expect((await sqlPool.request().query('SELECT @@SERVERNAME AS name')).recordset).toEqual([{ name: 'SQL01' }]);
    expect((await miPool.request().query('SELECT @@SERVERNAME AS name')).recordset).toEqual([{ name: 'mi-lab' }]);
    expect((await sqlPool.request().query(ROLE_QUERY)).recordset).toEqual([{ ag_name: 'SalesLink', replica: 'AG_Sales', role: 'PRIMARY' }]);
    expect((await miPool.request().query(ROLE_QUERY)).recordset).toEqual([{ ag_name: 'SalesLink', replica: 'AG_Sales_MI', role: 'SECONDARY' }]);
    expect(lab.control.roles()).toEqual({ sqlserver: 'PRIMARY', mi: 'SECONDARY' });
  });

  it('refuses a wrong password with 18456, and the old model default is gone', async () => {
    const err = await new sql.ConnectionPool(labConfig(lab, lab.sqlserver, { password: 'Lab!Passw0rd' })).connect().then(
      () => undefined,
      (e: unknown) => e as sql.ConnectionError & { originalError?: { number?: number } },
    );
    expect(err).toBeInstanceOf(sql.ConnectionError);
    expect(String(err?.message)).toMatch(/Login failed for user 'sa'/);
  });

  it('round-trips a parameter of every type sp_executesql carries', async () => {
    const pool = await pools.open(lab, lab.sqlserver);
    const when = new Date('2025-06-01T08:00:00.123Z');
    const r = await pool
      .request()
      .input('s', sql.NVarChar(50), 'SalesLink ✓')
      .input('i', sql.Int, -42)
      .input('b', sql.BigInt, '9007199254740993')
      .input('bit', sql.Bit, true)
      .input('f', sql.Float, 0.125)
      .input('dt', sql.DateTime, when)
      .input('dt2', sql.DateTime2(7), when)
      .input('d', sql.Decimal(10, 2), 12.5)
      .input('v', sql.VarBinary(16), Buffer.from([0xde, 0xad, 0xbe, 0xef]))
      .query('SELECT @s AS s, @i AS i, @b AS b, @bit AS bit, @f AS f, @dt AS dt, @dt2 AS dt2, @d AS d, @v AS v');
    const row = r.recordset[0] as Record<string, unknown>;
    expect(row).toMatchObject({ s: 'SalesLink ✓', i: -42, b: '9007199254740993', bit: true, f: 0.125, d: 12.5 });
    expect((row.dt as Date).toISOString()).toBe('2025-06-01T08:00:00.123Z');
    expect((row.dt2 as Date).toISOString()).toBe('2025-06-01T08:00:00.123Z');
    expect(Buffer.from(row.v as Uint8Array).toString('hex')).toBe('deadbeef');
  });

  it('returns several result sets from one batch', async () => {
    const pool = await pools.open(lab, lab.mi);
    const r = await pool.request().query('SELECT DB_NAME() AS db; SELECT name FROM sys.databases WHERE name = \'Sales\'; SELECT 1 AS one, 2 AS two');
    expect(r.recordsets).toHaveLength(3);
    expect((r.recordsets as unknown as unknown[][])[1]).toEqual([{ name: 'Sales' }]);
    expect((r.recordsets as unknown as unknown[][])[2]).toEqual([{ one: 1, two: 2 }]);
  });

  it('surfaces an injected fault as RequestError with its number, once', async () => {
    const pool = await pools.open(lab, lab.sqlserver);
    lab.control.failNext('sqlserver', '^SELECT 7', 1205, 'Transaction was deadlocked (injected).');
    const err = await errorOf(pool.request().query('SELECT 7 AS seven'));
    expect(err).toBeInstanceOf(sql.RequestError);
    expect(err.number).toBe(1205);
    expect(err.message).toBe('Transaction was deadlocked (injected).');
    expect((await pool.request().query('SELECT 7 AS seven')).recordset).toEqual([{ seven: 7 }]);
  });

  it('surfaces a real T-SQL rule as RequestError: FAILOVER on the secondary is 41190', async () => {
    const pool = await pools.open(lab, lab.mi);
    const err = await errorOf(pool.request().query('ALTER AVAILABILITY GROUP [SalesLink] FAILOVER'));
    expect(err.number).toBe(41190);
    expect(lab.control.roles()).toEqual({ sqlserver: 'PRIMARY', mi: 'SECONDARY' });
  });

  it('a request timeout leaves the connection usable', async () => {
    // Socket-level pool validation: mssql's default validation query would be delayed too.
    const pool = await pools.open(lab, lab.sqlserver, { requestTimeout: 300, validateConnection: 'socket' } as Partial<sql.config>);
    expect((await pool.request().query('SELECT 0 AS warm')).recordset).toEqual([{ warm: 0 }]);
    lab.control.delayStatements('sqlserver', 5000);
    try {
      const err = await errorOf(pool.request().query('SELECT 1 AS slow'));
      expect(err.code).toBe('ETIMEOUT');
    } finally {
      lab.control.delayStatements('sqlserver', 0);
    }
    expect((await pool.request().query('SELECT 2 AS fast')).recordset).toEqual([{ fast: 2 }]);
  });

  it('a cancel leaves the connection usable', async () => {
    const pool = await pools.open(lab, lab.mi, { requestTimeout: 20_000, validateConnection: 'socket' } as Partial<sql.config>);
    expect((await pool.request().query('SELECT 0 AS warm')).recordset).toEqual([{ warm: 0 }]);
    lab.control.delayStatements('mi', 10_000);
    try {
      const request = pool.request();
      const pending = errorOf(request.query('SELECT 1 AS slow'));
      // Give the request time to reach the server; an early cancel would fail the ECANCEL check, not pass it.
      await new Promise((r) => setTimeout(r, 300));
      request.cancel();
      expect((await pending).code).toBe('ECANCEL');
    } finally {
      lab.control.delayStatements('mi', 0);
    }
    expect((await pool.request().query('SELECT 3 AS after')).recordset).toEqual([{ after: 3 }]);
  });

  it('serves 50 concurrent connections, each with its own session', async () => {
    const pool = await pools.open(lab, lab.sqlserver, { pool: { max: 50, min: 0 } });
    const results = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const conn = new sql.ConnectionPool(labConfig(lab, lab.sqlserver));
        await conn.connect();
        try {
          const r = await conn.request().input('i', sql.Int, i).query('SELECT @i AS i, @@SPID AS spid');
          return r.recordset[0] as { i: number; spid: number };
        } finally {
          await conn.close();
        }
      }),
    );
    expect(results.map((r) => r.i)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(new Set(results.map((r) => r.spid)).size).toBe(50);
    expect((await pool.request().query('SELECT 1 AS ok')).recordset).toEqual([{ ok: 1 }]);
  });

  it('logs every statement in memory and as JSON lines, with JSON-safe parameters', async () => {
    const pool = await pools.open(lab, lab.sqlserver);
    await pool.request().input('blob', sql.VarBinary(4), Buffer.from([1, 2])).input('big', sql.BigInt, '12').query('SELECT @blob AS blob, @big AS big');
    const lines = readFileSync(join(dir, 'statements.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBe(lab.statementLog().length);
    const last = lines.findLast((l) => String(l.text).includes('@blob'));
    expect(last).toMatchObject({
      pair: 1,
      instance: 'SQL01',
      text: 'SELECT @blob AS blob, @big AS big',
      params: [{ name: 'blob', value: '0x0102' }, { name: 'big', value: '12' }],
      outcome: { ok: true, rowCount: 1 },
    });
    expect(Date.parse(String(last!.time))).not.toBeNaN();
    const fault = lines.find((l) => String(l.text).startsWith('SELECT 7'));
    expect(fault?.outcome).toEqual({ ok: false, number: 1205, message: 'Transaction was deadlocked (injected).' });
  });

  it('writes a targets file the runtime accepts, with secrets only as env var names', () => {
    const text = readFileSync(join(dir, 'targets.yaml'), 'utf8');
    expect(text).toBe(lab.targetsYaml({ caDir: dir }));
    const targets = targetsFileSchema.parse(parse(text)).targets;
    expect(Object.keys(targets)).toEqual(['sqlserver', 'mi']);
    expect(targets.sqlserver).toMatchObject({ server: '127.0.0.1', port: lab.sqlserver.port, encrypt: false, auth: { type: 'sql', user: 'sa', passwordEnv: 'AGMEDIC_LAB_PASSWORD' } });
    expect(targets.mi?.azure).toEqual({
      subscriptionId: lab.names.subscriptionId,
      resourceGroup: 'agmedic-lab',
      instance: 'mi-lab',
      endpoint: lab.arm.url,
      caFile: join(dir, 'agmedic-lab-ca.pem'),
      tokenEnv: 'AGMEDIC_LAB_ARM_TOKEN',
    });
    expect(readFileSync(join(dir, 'agmedic-lab-ca.pem'), 'utf8')).toBe(lab.ca);
    expect(text).not.toMatch(/password:|token:/i);
    expect(text).not.toContain(lab.armToken);
  });
});
