import sql from 'mssql';
import { AgmedicError } from '../errors.js';
import type { BoundParam, SqlParamType } from '../ports/sql-target.js';

const INT_MIN = -2_147_483_648;
const INT_MAX = 2_147_483_647;

/**
 * The type a value gets when the runbook did not say: the narrowest SQL Server compares it sensibly.
 *
 * @example
 * inferParamType(42); // 'int'
 * inferParamType(2 ** 40); // 'bigint'
 */
export function inferParamType(value: BoundParam['value']): SqlParamType {
  if (value === null || typeof value === 'string') return 'nvarchar';
  if (typeof value === 'boolean') return 'bit';
  if (typeof value === 'bigint') return 'bigint';
  if (value instanceof Date) return 'datetime2';
  if (value instanceof Uint8Array) return 'varbinary';
  if (Number.isInteger(value)) return value >= INT_MIN && value <= INT_MAX ? 'int' : Number.isSafeInteger(value) ? 'bigint' : 'float';
  return 'float';
}

/** Digits after the point, so a decimal is sent without rounding (SQL Server's maximum scale is 38). */
function decimalScale(value: BoundParam['value']): number {
  const text = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
  const m = /\.(\d+)$/.exec(text);
  return Math.min(m ? m[1]!.length : 0, 38);
}

function mismatch(p: BoundParam, type: SqlParamType): never {
  throw new AgmedicError('BAD_PARAM_VALUE', `parameter @${p.name}: a ${typeof p.value} value cannot be bound as ${type}`, {
    details: { param: p.name, type },
  });
}

/**
 * Converts a port parameter to the driver's type and value. Mismatches (a string bound as int)
 * fail here with `BAD_PARAM_VALUE` rather than as a conversion error from the server.
 *
 * @example
 * const { type, value } = toDriverParam({ name: 'link', value: 'SalesLink' });
 * request.input('link', type, value);
 */
export function toDriverParam(p: BoundParam): { type: sql.ISqlType; value: unknown } {
  const type = p.type ?? inferParamType(p.value);
  const v = p.value;
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(p.name)) {
    throw new AgmedicError('BAD_PARAM_VALUE', `"${p.name}" is not a parameter name`, { details: { param: p.name } });
  }
  const numeric = typeof v === 'number' || typeof v === 'bigint';
  switch (type) {
    case 'nvarchar':
      if (v !== null && typeof v !== 'string') mismatch(p, type);
      return { type: sql.NVarChar(typeof v === 'string' && v.length > 4000 ? sql.MAX : 4000), value: v };
    case 'int':
      if (v !== null && !(typeof v === 'number' && Number.isInteger(v))) mismatch(p, type);
      return { type: sql.Int(), value: v };
    case 'bigint':
      if (v !== null && !(numeric && (typeof v === 'bigint' || Number.isInteger(v))) && !(typeof v === 'string' && /^-?\d+$/.test(v))) mismatch(p, type);
      // tedious accepts a JS bigint and sends all 64 bits; a number past 2^53 would already be wrong.
      return { type: sql.BigInt(), value: typeof v === 'string' ? BigInt(v) : v };
    case 'bit':
      if (v !== null && typeof v !== 'boolean') mismatch(p, type);
      return { type: sql.Bit(), value: v };
    case 'float':
      if (v !== null && typeof v !== 'number') mismatch(p, type);
      return { type: sql.Float(), value: v };
    case 'decimal':
      if (v !== null && typeof v !== 'number' && !(typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v))) mismatch(p, type);
      return { type: sql.Decimal(38, decimalScale(v)), value: typeof v === 'string' ? Number(v) : v };
    case 'datetime2':
      if (v !== null && !(v instanceof Date)) mismatch(p, type);
      return { type: sql.DateTime2(7), value: v };
    case 'varbinary':
      if (v !== null && !(v instanceof Uint8Array)) mismatch(p, type);
      return { type: sql.VarBinary(v !== null && v.byteLength > 8000 ? sql.MAX : 8000), value: v === null ? null : Buffer.from(v.buffer, v.byteOffset, v.byteLength) };
  }
}
