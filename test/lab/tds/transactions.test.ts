import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from './harness.js';

let lab: Lab;
let pool: sql.ConnectionPool;
beforeAll(async () => {
  lab = await startLab();
  pool = await lab.connect();
});
afterAll(async () => {
  await lab.stop();
});

describe('transaction manager requests', () => {
  it('begins and commits through mssql Transaction', async () => {
    const tx = new sql.Transaction(pool);
    await tx.begin();
    const inside = await new sql.Request(tx).query('SELECT @@SPID');
    const session = lab.engine.requests.at(-1)!.session;
    expect(session.state.get('trancount')).toBe(1);
    await tx.commit();
    expect(session.state.get('trancount')).toBe(0);
    expect(session.state.get('lastTransactionEnd')).toBe('COMMIT');
    expect(inside.recordset[0].spid).toBe(session.spid);
    const texts = lab.engine.requests.map((r) => r.text);
    expect(texts).toContain('BEGIN TRANSACTION');
    expect(texts).toContain('COMMIT TRANSACTION');
  });

  it('begins and rolls back, and the connection is reusable afterwards', async () => {
    const tx = new sql.Transaction(pool);
    await tx.begin(sql.ISOLATION_LEVEL.SERIALIZABLE);
    await new sql.Request(tx).query('SELECT 1');
    await tx.rollback();
    const session = lab.engine.requests.at(-1)!.session;
    expect(session.state.get('lastTransactionEnd')).toBe('ROLLBACK');
    expect((await pool.request().query('SELECT 1')).recordset).toEqual([{ '': 1 }]);
  });

  it('reports an engine error on COMMIT as a failed commit', async () => {
    const tx = new sql.Transaction(pool);
    await tx.begin();
    const session = lab.engine.requests.at(-1)!.session;
    session.state.set('trancount', 0); // the instance lost the transaction (e.g. a failover)
    const err = await tx.commit().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(sql.TransactionError);
    expect((err as { originalError?: { number?: number } }).originalError?.number).toBe(3902);
  });
});
