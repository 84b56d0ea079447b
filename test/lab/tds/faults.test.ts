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

describe('fault injection', () => {
  it('dropAllConnections makes the next query fail and a new pool connects again', async () => {
    const pool = await lab.connect({ validateConnection: 'socket' } as Partial<sql.config>);
    expect((await pool.request().query('SELECT 1')).recordset).toEqual([{ '': 1 }]);
    const request = pool.request();
    const pending = request.query('WAITFOR 5000').then(
      () => undefined,
      (e: unknown) => e,
    );
    await expect.poll(() => lab.engine.requests.some((r) => r.text === 'WAITFOR 5000')).toBe(true);
    lab.server.dropAllConnections();
    const err = await pending;
    expect(err).toBeInstanceOf(sql.RequestError);
    // The drop is a TCP reset, as when a network device or a failover kills the session.
    expect((err as sql.RequestError).code).toBe('ECONNRESET');
    await expect.poll(() => lab.server.connectionCount()).toBe(0);
    const fresh = await lab.connect();
    expect((await fresh.request().query('SELECT 1')).recordset).toEqual([{ '': 1 }]);
  });

  it('refuse mode fails connect with a socket error, and connects again once lifted', async () => {
    lab.server.setRefuseConnections(true);
    try {
      const err = await new sql.ConnectionPool(lab.config({ connectionTimeout: 3000 })).connect().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(sql.ConnectionError);
      expect((err as sql.ConnectionError).code).toBe('ESOCKET');
      expect((err as Error).message).toMatch(/Connection lost|socket hang up|ECONNRESET/);
    } finally {
      lab.server.setRefuseConnections(false);
    }
    const pool = await lab.connect();
    expect((await pool.request().query('SELECT 1')).recordset).toEqual([{ '': 1 }]);
  });
});
