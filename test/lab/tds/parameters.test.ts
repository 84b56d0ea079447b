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

const unicode = 'Ünïcödé ✓ 日本語 🚀';
const long = 'ab✓'.repeat(40_000); // 120,000 characters: beyond any non-MAX length
const bytes = Buffer.from([0, 1, 2, 250, 255]);
const bigBytes = Buffer.alloc(100_000, 7);
const guid = '6F9619FF-8B86-D011-B42D-00C04FC964FF';

// [name, mssql type, value sent, value expected back, lab type name, length, precision, scale]
const cases: [string, sql.ISqlType | (() => sql.ISqlType), unknown, unknown, string, string | null, number | null, number | null][] = [
  ['nv', sql.NVarChar(50), 'hello', 'hello', 'nvarchar', '50', null, null],
  ['nvUnicode', sql.NVarChar(100), unicode, unicode, 'nvarchar', '100', null, null],
  ['nvMax', sql.NVarChar(sql.MAX), long, long, 'nvarchar', 'max', null, null],
  ['nvEmptyMax', sql.NVarChar(sql.MAX), '', '', 'nvarchar', 'max', null, null],
  ['vc', sql.VarChar(20), 'plain ascii', 'plain ascii', 'varchar', '20', null, null],
  ['i', sql.Int, -2147483648, -2147483648, 'int', null, null, null],
  ['ti', sql.TinyInt, 255, 255, 'tinyint', null, null, null],
  ['si', sql.SmallInt, -32768, -32768, 'smallint', null, null, null],
  ['bi', sql.BigInt, '9007199254740993', '9007199254740993', 'bigint', null, null, null],
  ['biNeg', sql.BigInt, '-9223372036854775808', '-9223372036854775808', 'bigint', null, null, null],
  ['bTrue', sql.Bit, true, true, 'bit', null, null, null],
  ['bFalse', sql.Bit, false, false, 'bit', null, null, null],
  ['f', sql.Float, 3.141592653589793, 3.141592653589793, 'float', null, null, null],
  ['dt', sql.DateTime, new Date('2024-05-06T07:08:09.123Z'), new Date('2024-05-06T07:08:09.123Z'), 'datetime', null, null, null],
  ['dt2', sql.DateTime2(7), new Date('1999-12-31T23:59:59.999Z'), new Date('1999-12-31T23:59:59.999Z'), 'datetime2', null, null, 7],
  ['dt2old', sql.DateTime2(3), new Date('0001-01-01T00:00:00.000Z'), new Date('0001-01-01T00:00:00.000Z'), 'datetime2', null, null, 3],
  ['dto', sql.DateTimeOffset(7), new Date('2030-01-02T03:04:05.678Z'), new Date('2030-01-02T03:04:05.678Z'), 'datetimeoffset', null, null, 7],
  ['dec', sql.Decimal(18, 4), 12345.6789, 12345.6789, 'decimal', null, 18, 4],
  ['decNeg', sql.Decimal(18, 4), -0.0001, -0.0001, 'decimal', null, 18, 4],
  ['num', sql.Numeric(38, 2), 1234567890123.45, 1234567890123.45, 'decimal', null, 38, 2],
  ['vb', sql.VarBinary(10), bytes, bytes, 'varbinary', '10', null, null],
  ['vbMax', sql.VarBinary(sql.MAX), bigBytes, bigBytes, 'varbinary', 'max', null, null],
  ['g', sql.UniqueIdentifier, guid, guid, 'uniqueidentifier', null, null, null],
];

const nullCases: [string, sql.ISqlType | (() => sql.ISqlType)][] = [
  ['nNv', sql.NVarChar(10)],
  ['nNvMax', sql.NVarChar(sql.MAX)],
  ['nInt', sql.Int],
  ['nBig', sql.BigInt],
  ['nBit', sql.Bit],
  ['nFloat', sql.Float],
  ['nDt', sql.DateTime],
  ['nDt2', sql.DateTime2(7)],
  ['nDec', sql.Decimal(18, 4)],
  ['nVb', sql.VarBinary(10)],
  ['nVbMax', sql.VarBinary(sql.MAX)],
  ['nGuid', sql.UniqueIdentifier],
];

describe('parameters round-trip through sp_executesql', () => {
  it('decodes every type and encodes the same values back', async () => {
    const request = pool.request();
    for (const [name, type, value] of cases) request.input(name, type, value);
    const result = await request.query('ECHO');
    const [values, types] = result.recordsets as unknown as [Record<string, unknown>[], Record<string, unknown>[]];
    for (const [name, , , expected] of cases) {
      expect(values[0]![name], name).toEqual(expected);
    }
    for (const [name, , , , typeName, length, precision, scale] of cases) {
      const row = types.find((t) => t.name === name);
      expect(row, name).toMatchObject({ type: typeName, ...(length === null ? {} : { length }), ...(precision === null ? {} : { precision }), ...(scale === null ? {} : { scale }) });
    }
  });

  it('sends NULL of every type as NULL and gets NULL back', async () => {
    const request = pool.request();
    for (const [name, type] of nullCases) request.input(name, type, null);
    const result = await request.query('ECHO');
    const values = (result.recordsets as unknown as Record<string, unknown>[][])[0]![0]!;
    for (const [name] of nullCases) expect(values[name], name).toBeNull();
    const engineParams = lab.engine.requests.at(-1)!.params;
    expect(engineParams.map((p) => p.value)).toEqual(nullCases.map(() => null));
  });

  it('gives the engine names without @, JS values, and the statement text', async () => {
    await pool.request().input('id', sql.Int, 42).input('big', sql.BigInt, '9007199254740993').input('s', sql.NVarChar(5), 'x').query('ECHO');
    const req = lab.engine.requests.at(-1)!;
    expect(req.kind).toBe('rpc');
    expect(req.text).toBe('ECHO');
    expect(req.params).toEqual([
      { name: 'id', type: { name: 'int' }, value: 42 },
      { name: 'big', type: { name: 'bigint' }, value: 9007199254740993n },
      { name: 's', type: { name: 'nvarchar', length: 5 }, value: 'x' },
    ]);
  });

  it('passes other procedures as `EXEC name` with their parameters and returns their status', async () => {
    const result = await pool
      .request()
      .input('Resource', sql.NVarChar(255), 'agmedic:link')
      .input('LockMode', sql.VarChar(32), 'Exclusive')
      .output('out', sql.Int)
      .execute('sp_getapplock');
    expect(result.returnValue).toBe(1);
    const req = lab.engine.requests.at(-1)!;
    expect(req.text).toBe('EXEC sp_getapplock');
    expect(req.kind).toBe('rpc');
    expect(req.params.map((p) => [p.name, p.value, p.output ?? false])).toEqual([
      ['Resource', 'agmedic:link', false],
      ['LockMode', 'Exclusive', false],
      ['out', null, true],
    ]);
  });
});
