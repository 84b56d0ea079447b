import { AgmedicError } from '../../errors.js';
import type { ColumnDef, SqlType, SqlValue } from '../engine-types.js';
import type { BufferWriter } from './buffer-writer.js';
import { guidToBytes, timeLength, toDateTime2Parts, toDateTimeParts } from './temporal.js';
import { DEFAULT_COLLATION, Token } from './tokens.js';

const PLP_NULL = 0xffff_ffff_ffff_ffffn;
const MAX_MARKER = 0xffff;
/** Largest non-MAX NVARCHAR, in characters. */
const NVARCHAR_LIMIT = 4000;
const VARBINARY_LIMIT = 8000;

/** How one column goes on the wire, resolved once per result set. */
interface WireColumn {
  type: SqlType;
  /** For character and binary columns: MAX (PLP) encoding. */
  plp: boolean;
  /** Declared byte length for non-PLP character/binary columns. */
  maxBytes: number;
}

/** Decimal storage size by precision (MS-TDS 2.2.5.5.1.5). */
export function decimalLength(precision: number): number {
  return precision <= 9 ? 5 : precision <= 19 ? 9 : precision <= 28 ? 13 : 17;
}

function asText(value: SqlValue): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return `0x${Buffer.from(value).toString('hex').toUpperCase()}`;
  if (typeof value === 'boolean') return value ? '1' : '0';
  return String(value);
}

function asBytes(value: SqlValue): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  throw new AgmedicError('LAB_TDS_PROTOCOL', `cannot send ${typeof value} as varbinary`);
}

/** A decimal value as sign and magnitude scaled by 10^scale, without going through float math twice. */
export function scaleDecimal(value: SqlValue, scale: number): { negative: boolean; magnitude: bigint } {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new AgmedicError('LAB_TDS_PROTOCOL', `decimal value is not finite: ${value}`);
    text = Math.abs(value) < 1e21 ? value.toFixed(scale) : BigInt(Math.round(value)).toString();
  } else if (typeof value === 'bigint' || typeof value === 'string') {
    text = value.toString().trim();
  } else {
    throw new AgmedicError('LAB_TDS_PROTOCOL', `cannot send ${typeof value} as decimal`);
  }
  const negative = text.startsWith('-');
  if (negative || text.startsWith('+')) text = text.slice(1);
  const [whole = '', fraction = ''] = text.split('.');
  if (!/^\d*$/.test(whole) || !/^\d*$/.test(fraction)) {
    throw new AgmedicError('LAB_TDS_PROTOCOL', `not a decimal number: ${String(value)}`);
  }
  const digits = (whole || '0') + (fraction + '0'.repeat(scale)).slice(0, scale);
  const magnitude = BigInt(digits);
  return { negative: negative && magnitude !== 0n, magnitude };
}

function resolveColumn(def: ColumnDef, index: number, rows: SqlValue[][]): WireColumn {
  const type = def.type;
  if (type.name === 'char' || type.name === 'binary') return { type, plp: false, maxBytes: typeof type.length === 'number' ? type.length : 1 };
  if (type.name === 'nchar') return { type, plp: false, maxBytes: (typeof type.length === 'number' ? type.length : 1) * 2 };
  if (type.name === 'sql_variant') return { type, plp: false, maxBytes: 8016 };
  const textual = type.name === 'nvarchar' || type.name === 'varchar';
  if (!textual && type.name !== 'varbinary') return { type, plp: false, maxBytes: 0 };
  const limit = textual ? NVARCHAR_LIMIT * 2 : VARBINARY_LIMIT;
  let declared = type.length === 'max' ? Infinity : (type.length ?? (textual ? NVARCHAR_LIMIT : VARBINARY_LIMIT)) * (textual ? 2 : 1);
  // A value longer than the declared length would not fit a u16 length; send the column as MAX.
  for (const row of rows) {
    const v = row[index];
    if (v === null || v === undefined) continue;
    const bytes = textual ? asText(v).length * 2 : asBytes(v).length;
    if (bytes > declared) declared = bytes;
  }
  return declared > limit ? { type, plp: true, maxBytes: MAX_MARKER } : { type, plp: false, maxBytes: declared };
}

function writeTypeInfo(w: BufferWriter, col: WireColumn): void {
  const t = col.type;
  switch (t.name) {
    case 'bit':
      w.u8(0x68).u8(1);
      return;
    case 'tinyint':
      w.u8(0x26).u8(1);
      return;
    case 'smallint':
      w.u8(0x26).u8(2);
      return;
    case 'int':
      w.u8(0x26).u8(4);
      return;
    case 'bigint':
      w.u8(0x26).u8(8);
      return;
    case 'float':
      w.u8(0x6d).u8(8);
      return;
    case 'real':
      w.u8(0x6d).u8(4);
      return;
    case 'decimal':
    case 'numeric': {
      const precision = t.precision ?? 18;
      w.u8(t.name === 'numeric' ? 0x6c : 0x6a).u8(decimalLength(precision)).u8(precision).u8(t.scale ?? 0);
      return;
    }
    case 'nvarchar':
    case 'varchar':
      w.u8(0xe7).u16le(col.maxBytes).bytes(DEFAULT_COLLATION);
      return;
    case 'char':
      w.u8(0xaf).u16le(col.maxBytes).bytes(DEFAULT_COLLATION);
      return;
    case 'nchar':
      w.u8(0xef).u16le(col.maxBytes).bytes(DEFAULT_COLLATION);
      return;
    case 'binary':
      w.u8(0xad).u16le(col.maxBytes);
      return;
    case 'sql_variant':
      w.u8(0x62).u32le(col.maxBytes);
      return;
    case 'varbinary':
      w.u8(0xa5).u16le(col.maxBytes);
      return;
    case 'datetime':
      w.u8(0x6f).u8(8);
      return;
    case 'datetime2':
      w.u8(0x2a).u8(t.scale ?? 7);
      return;
    case 'datetimeoffset':
      w.u8(0x2b).u8(t.scale ?? 7);
      return;
    case 'uniqueidentifier':
      w.u8(0x24).u8(16);
      return;
  }
}

function writePlp(w: BufferWriter, data: Buffer | null): void {
  if (data === null) {
    w.u64le(PLP_NULL);
    return;
  }
  w.u64le(BigInt(data.length));
  if (data.length > 0) w.u32le(data.length).bytes(data);
  w.u32le(0);
}

function writeValue(w: BufferWriter, col: WireColumn, value: SqlValue | undefined): void {
  const t = col.type;
  const isNull = value === null || value === undefined;
  switch (t.name) {
    case 'bit':
      if (isNull) w.u8(0);
      else w.u8(1).u8(value === true || (typeof value === 'number' && value !== 0) || value === '1' ? 1 : 0);
      return;
    case 'tinyint':
      if (isNull) w.u8(0);
      else w.u8(1).u8(Number(value));
      return;
    case 'smallint':
      if (isNull) w.u8(0);
      else w.u8(2).i16le(Number(value));
      return;
    case 'int':
      if (isNull) w.u8(0);
      else w.u8(4).i32le(Number(value));
      return;
    case 'bigint':
      if (isNull) w.u8(0);
      else w.u8(8).i64le(BigInt(value as bigint | number | string));
      return;
    case 'float':
      if (isNull) w.u8(0);
      else w.u8(8).f64le(Number(value));
      return;
    case 'real':
      if (isNull) w.u8(0);
      else w.u8(4).f32le(Number(value));
      return;
    case 'char':
    case 'binary': {
      // Fixed length: SQL Server pads char with spaces and binary with zeros.
      if (isNull) {
        w.u16le(0xffff);
        return;
      }
      const data = Buffer.alloc(col.maxBytes, t.name === 'char' ? 0x20 : 0);
      (t.name === 'char' ? Buffer.from(asText(value), 'latin1') : Buffer.from(asBytes(value))).copy(data, 0, 0, col.maxBytes);
      w.u16le(data.length).bytes(data);
      return;
    }
    case 'nchar': {
      if (isNull) {
        w.u16le(0xffff);
        return;
      }
      const data = Buffer.from(asText(value).padEnd(col.maxBytes / 2, ' ').slice(0, col.maxBytes / 2), 'utf16le');
      w.u16le(data.length).bytes(data);
      return;
    }
    case 'sql_variant':
      writeVariant(w, value ?? null);
      return;
    case 'decimal':
    case 'numeric': {
      if (isNull) {
        w.u8(0);
        return;
      }
      const length = decimalLength(t.precision ?? 18);
      const { negative, magnitude } = scaleDecimal(value, t.scale ?? 0);
      w.u8(length).u8(negative ? 0 : 1);
      let rest = magnitude;
      for (let i = 1; i < length; i++) {
        w.u8(Number(rest & 0xffn));
        rest >>= 8n;
      }
      return;
    }
    case 'nvarchar':
    case 'varchar': {
      const data = isNull ? null : Buffer.from(asText(value), 'utf16le');
      if (col.plp) writePlp(w, data);
      else if (data === null) w.u16le(0xffff);
      else w.u16le(data.length).bytes(data);
      return;
    }
    case 'varbinary': {
      const data = isNull ? null : Buffer.from(asBytes(value));
      if (col.plp) writePlp(w, data);
      else if (data === null) w.u16le(0xffff);
      else w.u16le(data.length).bytes(data);
      return;
    }
    case 'datetime': {
      if (isNull) {
        w.u8(0);
        return;
      }
      const { days, ticks } = toDateTimeParts(value as Date);
      w.u8(8).i32le(days).u32le(ticks);
      return;
    }
    case 'datetime2':
    case 'datetimeoffset': {
      if (isNull) {
        w.u8(0);
        return;
      }
      const scale = t.scale ?? 7;
      const timeBytes = timeLength(scale);
      const offsetBytes = t.name === 'datetimeoffset' ? 2 : 0;
      const { days, time } = toDateTime2Parts(value as Date, scale);
      w.u8(timeBytes + 3 + offsetBytes).uintLE(time, timeBytes).uintLE(days, 3);
      // Dates are UTC instants; the offset is informational and always +00:00 here.
      if (offsetBytes) w.i16le(0);
      return;
    }
    case 'uniqueidentifier':
      if (isNull) w.u8(0);
      else w.u8(16).bytes(value instanceof Uint8Array ? value : guidToBytes(asText(value)));
      return;
  }
}

/**
 * A sql_variant value (MS-TDS 2.2.5.5.4): total length, base type, property bytes, data. Integers go
 * as int/bigint, other numbers as float, bytes as varbinary, everything else as nvarchar.
 */
function writeVariant(w: BufferWriter, value: SqlValue): void {
  if (value === null) {
    w.u32le(0);
    return;
  }
  if (typeof value === 'boolean') value = value ? 1 : 0;
  if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) < 2 ** 31) {
    w.u32le(2 + 4).u8(0x38).u8(0).i32le(value);
  } else if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))) {
    w.u32le(2 + 8).u8(0x7f).u8(0).i64le(BigInt(value));
  } else if (typeof value === 'number') {
    w.u32le(2 + 8).u8(0x3e).u8(0).f64le(value);
  } else if (value instanceof Uint8Array) {
    w.u32le(2 + 2 + value.length).u8(0xa5).u8(2).u16le(8000).bytes(value);
  } else {
    const data = Buffer.from(asText(value), 'utf16le');
    w.u32le(2 + 7 + data.length).u8(0xe7).u8(7).bytes(DEFAULT_COLLATION).u16le(8000).bytes(data);
  }
}

/** COLMETADATA then one ROW token per row. */
export function writeResultSet(w: BufferWriter, columns: ColumnDef[], rows: SqlValue[][]): void {
  const wire = columns.map((c, i) => resolveColumn(c, i, rows));
  w.u8(Token.COLMETADATA).u16le(columns.length);
  columns.forEach((c, i) => {
    w.u32le(0).u16le(c.nullable === false ? 0 : 0x0001);
    writeTypeInfo(w, wire[i]!);
    w.bVarchar(c.name);
  });
  for (const row of rows) {
    w.u8(Token.ROW);
    for (let i = 0; i < wire.length; i++) writeValue(w, wire[i]!, row[i]);
  }
}
