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

describe('packet size negotiation', () => {
  it.each([512, 4096, 32767])('with packetSize %i a 100 KB result and a 100 KB parameter arrive intact', async (packetSize) => {
    const pool = await lab.connect({ options: { packetSize } });
    const { recordset } = await pool.request().query('ROWS 500');
    expect(recordset.length).toBe(500); // 500 rows × 100 UCS-2 chars ≈ 100 KB
    recordset.forEach((row: { i: number; s: string }, i: number) => {
      expect(row.i).toBe(i);
      expect(row.s).toBe(`${String(i).padStart(6, '0')}${'x'.repeat(94)}`);
    });
    const text = 'é'.repeat(50_000);
    const echoed = await pool.request().input('t', sql.NVarChar(sql.MAX), text).query('ECHO');
    expect((echoed.recordsets as unknown as Record<string, unknown>[][])[0]![0]!.t).toBe(text);
  });
});
