import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchOutput } from '../../../src/lab/engine-types.js';
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

describe('result encoding', () => {
  it.each(['query', 'batch'] as const)('returns multiple result sets and counts via request.%s', async (how) => {
    const result = await pool.request()[how]('TWO');
    const sets = result.recordsets as sql.IRecordSet<unknown>[];
    expect(sets.length).toBe(2);
    expect(sets[0]).toEqual([{ a: 1 }, { a: 2 }]);
    expect(sets[1]).toEqual([{ b: 3 }]);
    expect(result.rowsAffected).toEqual([2, 5, 1]);
  });

  it.each(['query', 'batch'] as const)('surfaces an ERROR token as RequestError via request.%s', async (how) => {
    const err = await pool.request()[how]('RAISE 50001').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(sql.RequestError);
    expect(err).toMatchObject({ number: 50001, class: 16, state: 2, lineNumber: 3, message: 'raised 50001' });
    expect((err as { serverName?: string }).serverName ?? (err as { originalError?: { serverName?: string } }).originalError?.serverName).toBe('LABSQL01');
    // The connection stays usable after a statement error.
    expect((await pool.request().query('SELECT 1')).recordset).toEqual([{ '': 1 }]);
  });

  it('keeps going after an error when the engine continues the batch, and reports INFO messages', async () => {
    const outputs: BatchOutput[] = [
      { kind: 'info', number: 50100, state: 1, class: 0, message: 'progress 50%' },
      { kind: 'error', number: 2627, state: 1, class: 14, message: 'Violation of PRIMARY KEY constraint.', line: 2 },
      { kind: 'resultSet', columns: [{ name: 'after', type: { name: 'int' } }], rows: [[7]] },
    ];
    lab.engine.table.set('CONTINUE AFTER ERROR', outputs);
    const infos: { number: number; message: string }[] = [];
    const request = pool.request();
    request.on('info', (m: { number: number; message: string }) => infos.push(m));
    const err = await request.batch('CONTINUE AFTER ERROR').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ number: 2627, lineNumber: 2 });
    expect(infos.map((m) => [m.number, m.message])).toEqual([[50100, 'progress 50%']]);
  });

  it('encodes every lab type in columns, including MAX and NULL', async () => {
    const when = new Date('2023-03-04T05:06:07.891Z');
    lab.engine.table.set('ALL TYPES', [
      {
        kind: 'resultSet',
        columns: [
          { name: 'bit', type: { name: 'bit' } },
          { name: 'tiny', type: { name: 'tinyint' } },
          { name: 'small', type: { name: 'smallint' } },
          { name: 'int', type: { name: 'int' } },
          { name: 'big', type: { name: 'bigint' } },
          { name: 'float', type: { name: 'float' } },
          { name: 'dec', type: { name: 'decimal', precision: 38, scale: 10 } },
          { name: 'nv', type: { name: 'nvarchar', length: 10 } },
          { name: 'nvmax', type: { name: 'nvarchar', length: 'max' } },
          { name: 'vc', type: { name: 'varchar', length: 10 } },
          { name: 'vb', type: { name: 'varbinary', length: 4 } },
          { name: 'dt', type: { name: 'datetime' } },
          { name: 'dt2', type: { name: 'datetime2' } },
          { name: 'dto', type: { name: 'datetimeoffset', scale: 3 } },
          { name: 'guid', type: { name: 'uniqueidentifier' } },
          { name: 'variant', type: { name: 'sql_variant' } },
          { name: 'none', type: { name: 'int' }, nullable: true },
        ],
        rows: [
          [true, 200, -300, 70000, 123456789012345678n, 0.5, '12345678901234567890.0123456789', 'short', 'x'.repeat(9000), 'abc', new Uint8Array([1, 2, 3, 4]), when, when, when, '0E984725-C51C-4BF4-9960-E1C80E27ABA0', 42, null],
        ],
      },
    ]);
    const { recordset } = await pool.request().query('ALL TYPES');
    expect(recordset[0]).toEqual({
      bit: true,
      tiny: 200,
      small: -300,
      int: 70000,
      big: '123456789012345678',
      float: 0.5,
      dec: 12345678901234567890.0123456789,
      nv: 'short',
      nvmax: 'x'.repeat(9000),
      vc: 'abc',
      vb: Buffer.from([1, 2, 3, 4]),
      dt: new Date('2023-03-04T05:06:07.890Z'), // datetime keeps 1/300 s, rounded as SQL Server does
      dt2: when,
      dto: when,
      guid: '0E984725-C51C-4BF4-9960-E1C80E27ABA0',
      variant: 42, // sql_variant carries its base type: an int stays an int
      none: null,
    });
    const cols = recordset.columns;
    expect(cols.dec).toMatchObject({ precision: 38, scale: 10 });
    expect(cols.nvmax!.length).toBe(65535); // mssql reports MAX columns by their 0xFFFF marker
    expect(cols.nv!.length).toBe(20); // bytes, as SQL Server declares nvarchar(10)
  });

  it('sends ENVCHANGE on a database change and tracks it in the session', async () => {
    const single = await lab.connect();
    await single.request().batch('USE agdb');
    const { recordset } = await single.request().query('SELECT DB_NAME()');
    expect(recordset).toEqual([{ db: 'agdb' }]);
    expect(lab.engine.requests.at(-1)!.session.database).toBe('agdb');
  });

  it('reports each statement to onStatement with its outputs and duration', async () => {
    const before = lab.statements.length;
    await pool.request().input('x', sql.Int, 5).query('ECHO');
    const ev = lab.statements.slice(before).find((s) => s.request.text === 'ECHO')!;
    expect(ev.request.kind).toBe('rpc');
    expect(ev.request.params).toEqual([{ name: 'x', type: { name: 'int' }, value: 5 }]);
    expect(ev.outputs[0]!.kind).toBe('resultSet');
    expect(ev.cancelled).toBe(false);
    expect(ev.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('turns an engine that throws into error 50000 on a still-usable connection', async () => {
    const original = lab.engine.execute;
    // Only this statement throws: mssql validates pooled connections with `SELECT 1;`.
    lab.engine.execute = async (req) => {
      if (req.text === 'anything') throw new Error('boom');
      return original(req);
    };
    const err = await pool.request().query('anything').then(
      () => undefined,
      (e: unknown) => e,
    );
    lab.engine.execute = original;
    expect(err).toMatchObject({ number: 50000, message: 'Lab engine failure: boom' });
    expect((await pool.request().query('SELECT 1')).recordset).toEqual([{ '': 1 }]);
  });
});
