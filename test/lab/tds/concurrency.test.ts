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

describe('many connections', () => {
  it('serves 50 concurrent connections, each running its own queries', async () => {
    const pools = await Promise.all(Array.from({ length: 50 }, () => lab.connect()));
    const results = await Promise.all(
      pools.map(async (pool, i) => {
        const spid = (await pool.request().query('SELECT @@SPID')).recordset[0].spid as number;
        const echoed = await pool.request().input('n', sql.Int, i).input('s', sql.NVarChar(20), `conn-${i}`).query('ECHO');
        await pool.request().query('WAITFOR 20');
        return { spid, row: (echoed.recordsets as unknown as Record<string, unknown>[][])[0]![0] };
      }),
    );
    results.forEach((r, i) => expect(r.row).toEqual({ n: i, s: `conn-${i}` }));
    expect(new Set(results.map((r) => r.spid)).size).toBe(50);
    // mssql's connect() closes its probe connection; each pool now holds one idle connection.
    expect(lab.server.connectionCount()).toBe(50);
  });
});
