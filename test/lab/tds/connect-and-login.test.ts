import sql from 'mssql';
import { Connection } from 'tedious';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from './harness.js';

let lab: Lab;
beforeAll(async () => {
  lab = await startLab();
});
afterAll(async () => {
  await lab.stop();
});

/** Logs in with tedious directly, collecting the ERROR tokens of the login response. */
function tediousLogin(database: string, password: string): Promise<{ error: Error | undefined; numbers: number[] }> {
  return new Promise((resolve) => {
    const conn = new Connection({
      server: '127.0.0.1',
      authentication: { type: 'default', options: { userName: 'sa', password } },
      options: { port: lab.server.port, database, trustServerCertificate: true, connectTimeout: 5000 },
    });
    const numbers: number[] = [];
    conn.on('errorMessage', (m: { number: number }) => numbers.push(m.number));
    conn.connect((error) => {
      conn.close();
      resolve({ error, numbers });
    });
  });
}

describe('login', () => {
  it('runs SELECT 1 through request.query (RPC) and request.batch (SQL_BATCH)', async () => {
    const pool = await lab.connect();
    const viaQuery = await pool.request().query('SELECT 1');
    expect(viaQuery.recordset).toEqual([{ '': 1 }]);
    expect(viaQuery.rowsAffected).toEqual([1]);
    const viaBatch = await pool.request().batch('SELECT 1');
    expect(viaBatch.recordset).toEqual([{ '': 1 }]);
    const kinds = lab.engine.requests.filter((r) => r.text.startsWith('SELECT 1')).map((r) => r.kind);
    expect(kinds).toContain('rpc');
    expect(kinds).toContain('batch');
  });

  it('hands the engine a session with login, app name, host and a spid from 51', async () => {
    const pool = await lab.connect({ options: { appName: 'agmedic-test' } });
    const { recordset } = await pool.request().query('SELECT @@SPID');
    const req = lab.engine.requests.at(-1)!;
    expect(req.session.spid).toBe(recordset[0].spid);
    expect(req.session.spid).toBeGreaterThanOrEqual(51);
    expect(req.session.login).toBe('sa');
    expect(req.session.appName).toBe('agmedic-test');
    expect(req.session.database).toBe('master');
    expect(req.session.hostName.length).toBeGreaterThan(0);
    expect(req.session.state.get('applicationIntent')).toBe('ReadWrite');
  });

  it('passes the SET batch tedious sends after login to the engine', async () => {
    await lab.connect();
    expect(lab.engine.requests.some((r) => r.kind === 'batch' && /^set /i.test(r.text))).toBe(true);
  });

  it('rejects a wrong password with ELOGIN and error 18456', async () => {
    const err = await new sql.ConnectionPool(lab.config({ password: 'nope' })).connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(sql.ConnectionError);
    expect((err as sql.ConnectionError).code).toBe('ELOGIN');
    expect((err as Error).message).toBe("Login failed for user 'sa'.");
  });

  it('answers an unknown database with 4060 then 18456, as SQL Server does', async () => {
    const { error, numbers } = await tediousLogin('nosuchdb', 'pw');
    expect(error).toBeDefined();
    expect((error as Error & { code?: string }).code).toBe('ELOGIN');
    expect(numbers).toEqual([4060, 18456]);
    const ok = await tediousLogin('agdb', 'pw');
    expect(ok.error).toBeUndefined();
  });

  it('calls engine.closeSession when a connection closes and counts open connections', async () => {
    const pool = await new sql.ConnectionPool(lab.config()).connect();
    const { recordset } = await pool.request().query('SELECT @@SPID');
    const spid = recordset[0].spid as number;
    expect(lab.server.connectionCount()).toBeGreaterThan(0);
    const before = lab.server.connectionCount();
    await pool.close();
    await expect.poll(() => lab.engine.closedSpids.includes(spid)).toBe(true);
    expect(lab.server.connectionCount()).toBe(before - 1);
  });
});
