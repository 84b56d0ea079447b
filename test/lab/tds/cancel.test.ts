import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from './harness.js';

let lab: Lab;
beforeAll(async () => {
  lab = await startLab();
});
afterAll(async () => {
  await lab.stop();
});

async function spidOf(pool: sql.ConnectionPool): Promise<number> {
  return (await pool.request().query('SELECT @@SPID')).recordset[0].spid as number;
}

describe('ATTENTION', () => {
  it('a request timeout cancels the statement and leaves the connection usable', async () => {
    const pool = await lab.connect({ requestTimeout: 300 });
    const spid = await spidOf(pool);
    const started = Date.now();
    const err = await pool.request().query('WAITFOR 10000').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(sql.RequestError);
    expect((err as sql.RequestError).code).toBe('ETIMEOUT');
    // Acknowledged promptly: no 5 s cancelTimeout wait in tedious.
    expect(Date.now() - started).toBeLessThan(3000);
    expect((await pool.request().query('SELECT 1')).recordset).toEqual([{ '': 1 }]);
    expect(await spidOf(pool)).toBe(spid); // same connection, not a fresh one
    const waited = lab.statements.find((s) => s.request.text === 'WAITFOR 10000')!;
    expect(waited.cancelled).toBe(true);
    expect(lab.engine.requests.find((r) => r.text === 'WAITFOR 10000')!.signal.aborted).toBe(true);
  });

  it('request.cancel() aborts the engine signal and leaves the connection usable', async () => {
    const pool = await lab.connect();
    const spid = await spidOf(pool);
    const request = pool.request();
    const pending = request.batch('WAITFOR 9000').then(
      () => undefined,
      (e: unknown) => e,
    );
    await expect.poll(() => lab.engine.requests.some((r) => r.text === 'WAITFOR 9000')).toBe(true);
    request.cancel();
    const err = await pending;
    expect((err as sql.RequestError).code).toBe('ECANCEL');
    expect((await pool.request().batch('SELECT 1')).recordset).toEqual([{ '': 1 }]);
    expect(await spidOf(pool)).toBe(spid);
  });

  it('setStatementDelay delays statements and the delay itself is cancellable', async () => {
    // Socket-level pool validation, so only the statement under test is delayed.
    const pool = await lab.connect({ requestTimeout: 200, validateConnection: 'socket' } as Partial<sql.config>);
    // Warm the pooled connection first: a new connection's SET batch would be delayed too.
    expect((await pool.request().query('SELECT 1')).recordset).toEqual([{ '': 1 }]);
    lab.server.setStatementDelay(5000);
    try {
      const started = Date.now();
      const err = await pool.request().query('SELECT 1').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((err as sql.RequestError).code).toBe('ETIMEOUT');
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      lab.server.setStatementDelay(0);
    }
    expect((await pool.request().query('SELECT 1')).recordset).toEqual([{ '': 1 }]);
  });

  it('an engine that ignores its signal still gets the client an immediate acknowledgement', async () => {
    const original = lab.engine.execute;
    lab.engine.execute = async (req) => {
      if (req.text !== 'STUBBORN') return original(req);
      await new Promise((r) => setTimeout(r, 700));
      return [{ kind: 'done' }];
    };
    try {
      const pool = await lab.connect({ requestTimeout: 100 });
      const started = Date.now();
      const err = await pool.request().query('STUBBORN').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((err as sql.RequestError).code).toBe('ETIMEOUT');
      expect(Date.now() - started).toBeLessThan(600);
      // The next statement waits for the stubborn one to finish, then runs normally.
      expect((await pool.request().query('SELECT 1')).recordset).toEqual([{ '': 1 }]);
    } finally {
      lab.engine.execute = original;
    }
  });
});
