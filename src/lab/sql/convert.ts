import type { SqlType } from '../engine-types.js';
import { SqlServerError } from '../model/sql-error.js';

/**
 * T-SQL's CAST/CONVERT, DATEADD, DATEDIFF and DATEPART, called from alasql as LAB_* functions (the
 * SELECT rewriter turns `CAST(x AS t)` into `LAB_CAST(x, 't')`). alasql's own versions follow JS and
 * local time (DATEDIFF counts elapsed intervals, CAST AS int truncates to 32 bits, CAST AS datetime
 * returns a string); SQL Server's rules differ, and DBA scripts depend on them.
 *
 * | number | when | confidence |
 * |---|---|---|
 * | 241 | string → date/time that does not parse | documented |
 * | 245 | string → integer that is not an integer | documented |
 * | 8114 | string → float/decimal that is not a number | documented |
 * | 8115 | value out of the target integer range | documented |
 * | 281 | unknown CONVERT style | documented |
 * | 529 | explicit conversion not allowed (e.g. datetime2 → int) | documented |
 * | 155 | unknown datepart | documented |
 * | 535 | DATEDIFF result does not fit an int | documented |
 * | 243 | unknown target type | lab choice (SQL Server reports "Type x is not a defined system type.") |
 */

/**
 * varbinary values inside alasql: alasql compares with `a.valueOf() === b.valueOf()`, so bytes need a
 * value-typed valueOf to compare equal (`k.encryptor_thumbprint = c.thumbprint`).
 */
export class LabBinary extends Uint8Array {
  override toString(): string {
    return `0x${Buffer.from(this.buffer, this.byteOffset, this.byteLength).toString('hex').toUpperCase()}`;
  }
}
// Declared outside the class body: TypeScript wants Uint8Array's valueOf to return the array itself.
Object.defineProperty(LabBinary.prototype, 'valueOf', {
  value(this: LabBinary): string {
    return this.toString();
  },
});

export function toLabBinary(v: Uint8Array): LabBinary {
  return v instanceof LabBinary ? v : new LabBinary(v);
}

const INT_RANGE: Record<string, [number, number]> = {
  tinyint: [0, 255],
  smallint: [-32768, 32767],
  int: [-2147483648, 2147483647],
  bigint: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};
const ALIASES: Record<string, string> = { sysname: 'nvarchar', char: 'varchar', nchar: 'nvarchar', binary: 'varbinary', numeric: 'decimal', real: 'float', date: 'date', time: 'time', smalldatetime: 'datetime' };

/** A parsed type spec: 'varchar(100)', 'decimal(10, 2)', 'nvarchar(max)', 'int'. */
export interface TypeSpec {
  base: string;
  length?: number | 'max';
  scale?: number;
  /** The SQL Server type the result column is described with. */
  sqlType: SqlType;
}

const specCache = new Map<string, TypeSpec>();

export function parseTypeSpec(spec: string): TypeSpec {
  const hit = specCache.get(spec);
  if (hit) return hit;
  const m = /^\s*([a-z_0-9]+)\s*(?:\(\s*(max|\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*$/i.exec(spec);
  if (!m) throw new SqlServerError(243, `Type ${spec} is not a defined system type.`);
  const name = m[1]!.toLowerCase();
  const base = ALIASES[name] ?? name;
  const a = m[2] === undefined ? undefined : m[2].toLowerCase() === 'max' ? ('max' as const) : Number(m[2]);
  const b = m[3] === undefined ? undefined : Number(m[3]);
  let out: TypeSpec;
  switch (base) {
    case 'varchar':
    case 'nvarchar':
      // CAST/CONVERT without a length means 30 characters; sysname is nvarchar(128).
      out = { base, length: name === 'sysname' ? 128 : (a ?? 30), sqlType: { name: base, length: name === 'sysname' ? 128 : (a ?? 30) } };
      break;
    case 'varbinary':
      out = { base, length: a ?? 30, sqlType: { name: 'varbinary', length: a ?? 30 } };
      break;
    case 'decimal':
      out = { base, length: typeof a === 'number' ? a : 18, scale: b ?? 0, sqlType: { name: 'decimal', precision: typeof a === 'number' ? a : 18, scale: b ?? 0 } };
      break;
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint':
    case 'bit':
    case 'float':
    case 'uniqueidentifier':
    case 'datetime':
    case 'sql_variant':
      out = { base, sqlType: { name: base } };
      break;
    case 'datetime2':
    case 'datetimeoffset':
      out = { base, sqlType: { name: base, scale: typeof a === 'number' ? a : 7 } };
      break;
    case 'date':
      out = { base, sqlType: { name: 'datetime2', scale: 0 } };
      break;
    case 'time':
      out = { base, sqlType: { name: 'nvarchar', length: 16 } };
      break;
    default:
      throw new SqlServerError(243, `Type ${name} is not a defined system type.`);
  }
  specCache.set(spec, out);
  return out;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
/** SQL Server's day 0 for datetime arithmetic on numbers (`DATEADD(SECOND, n, 0)`). */
const DAY0 = Date.UTC(1900, 0, 1);
const DAY_MS = 86_400_000;

/** The lab's clock is UTC and so are its dates: the server's local time is UTC. */
function formatDate(d: Date, style: number): string {
  const Y = d.getUTCFullYear();
  const M = d.getUTCMonth() + 1;
  const D = d.getUTCDate();
  const h = d.getUTCHours();
  const mi = d.getUTCMinutes();
  const s = d.getUTCSeconds();
  const ms = d.getUTCMilliseconds();
  const time = `${pad(h)}:${pad(mi)}:${pad(s)}`;
  const ampm = `${String(h % 12 === 0 ? 12 : h % 12).padStart(2, ' ')}:${pad(mi)}${h < 12 ? 'AM' : 'PM'}`;
  switch (style) {
    case 0:
    case 100:
      return `${MONTHS[M - 1]} ${String(D).padStart(2, ' ')} ${Y} ${ampm}`;
    case 1:
      return `${pad(M)}/${pad(D)}/${pad(Y % 100)}`;
    case 101:
      return `${pad(M)}/${pad(D)}/${Y}`;
    case 3:
      return `${pad(D)}/${pad(M)}/${pad(Y % 100)}`;
    case 103:
      return `${pad(D)}/${pad(M)}/${Y}`;
    case 8:
    case 24:
    case 108:
      return time;
    case 12:
      return `${pad(Y % 100)}${pad(M)}${pad(D)}`;
    case 112:
      return `${Y}${pad(M)}${pad(D)}`;
    case 23:
      return `${Y}-${pad(M)}-${pad(D)}`;
    case 20:
    case 120:
      return `${Y}-${pad(M)}-${pad(D)} ${time}`;
    case 21:
    case 25:
    case 121:
      return `${Y}-${pad(M)}-${pad(D)} ${time}.${pad(ms, 3)}`;
    case 126:
      return `${Y}-${pad(M)}-${pad(D)}T${time}.${pad(ms, 3)}`;
    case 127:
      return `${Y}-${pad(M)}-${pad(D)}T${time}.${pad(ms, 3)}Z`;
    default:
      throw new SqlServerError(281, `${style} is not a valid style number when converting from datetime to a character string.`);
  }
}

/** Date/time strings SQL Server accepts in any language setting (ISO/unseparated), plus 'YYYY-MM-DD hh:mi'. */
export function parseSqlDate(text: string, target = 'datetime'): Date {
  const m = /^\s*(\d{4})-?(\d{2})-?(\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?\s*(Z)?\s*$/i.exec(text);
  if (m) {
    const ms = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
    const t = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), ms);
    const d = new Date(t);
    if (Number.isFinite(t) && d.getUTCMonth() === +m[2]! - 1 && d.getUTCDate() === +m[3]!) return d;
  }
  throw new SqlServerError(241, `Conversion failed when converting date and/or time from character string.${target === 'datetime' ? '' : ''}`);
}

/** Any value T-SQL implicitly converts to a date: dates, date strings, numbers as days since 1900-01-01. */
export function toDate(v: unknown): Date | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v;
  if (typeof v === 'string') return parseSqlDate(v);
  if (typeof v === 'number') return new Date(DAY0 + v * DAY_MS);
  throw new SqlServerError(206, 'Operand type clash: value is incompatible with datetime.');
}

function typeNameOf(v: unknown): string {
  if (typeof v === 'string') return 'varchar';
  if (v instanceof Date) return 'datetime';
  if (v instanceof Uint8Array) return 'varbinary';
  if (typeof v === 'bigint') return 'numeric';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  return 'bit';
}

function toInteger(v: unknown, base: string): number | bigint {
  let n: number | bigint;
  if (typeof v === 'boolean') n = v ? 1 : 0;
  else if (typeof v === 'bigint') n = v;
  else if (typeof v === 'number') n = Math.trunc(v);
  else if (typeof v === 'string') {
    if (!/^\s*[+-]?\d+\s*$/.test(v)) throw new SqlServerError(245, `Conversion failed when converting the varchar value '${v}' to data type ${base}.`);
    n = Number(v.trim());
  } else if (v instanceof Date && base !== 'bigint') n = Math.floor((v.getTime() - DAY0) / DAY_MS + 0.5);
  else throw new SqlServerError(529, `Explicit conversion from data type ${typeNameOf(v)} to ${base} is not allowed.`);
  const [lo, hi] = INT_RANGE[base]!;
  if (typeof n === 'bigint') {
    if (base === 'bigint' ? n < -(2n ** 63n) || n >= 2n ** 63n : n < BigInt(lo) || n > BigInt(hi)) {
      throw new SqlServerError(8115, `Arithmetic overflow error converting expression to data type ${base}.`);
    }
    return base === 'bigint' && (n > BigInt(hi) || n < BigInt(lo)) ? n : Number(n);
  }
  if (n < lo || n > hi) throw new SqlServerError(8115, `Arithmetic overflow error converting expression to data type ${base}.`);
  return n;
}

function toText(v: unknown, style: number): string {
  if (v instanceof Date) return formatDate(v, style);
  if (v instanceof Uint8Array) {
    const hex = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex').toUpperCase();
    if (style === 1) return `0x${hex}`;
    if (style === 2) return hex;
    if (style === 0) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('latin1');
    throw new SqlServerError(281, `${style} is not a valid style number when converting from varbinary to a character string.`);
  }
  if (typeof v === 'boolean') return v ? '1' : '0';
  return String(v);
}

function toBinary(v: unknown, style: number): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') {
    if (style === 1 || style === 2) {
      const hex = style === 1 ? v.replace(/^0x/i, '') : v;
      if (!/^[0-9a-f]*$/i.test(hex) || hex.length % 2) throw new SqlServerError(8114, 'Error converting data type varchar to varbinary.');
      return Uint8Array.from(Buffer.from(hex, 'hex'));
    }
    return Uint8Array.from(Buffer.from(v, 'latin1'));
  }
  if (typeof v === 'number' && Number.isInteger(v)) {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return Uint8Array.from(b);
  }
  throw new SqlServerError(529, `Explicit conversion from data type ${typeNameOf(v)} to varbinary is not allowed.`);
}

/**
 * `CAST(v AS spec)` / `CONVERT(spec, v, style)` with SQL Server's rules.
 *
 * @example
 * convertValue(new Uint8Array([0xab]), 'varchar(10)', 1) // '0xAB'
 */
export function convertValue(v: unknown, spec: string, style: number | null = null): unknown {
  if (v === null || v === undefined) return null;
  const t = parseTypeSpec(spec);
  switch (t.base) {
    case 'varchar':
    case 'nvarchar': {
      const s = toText(v, style ?? 0);
      return typeof t.length === 'number' ? s.slice(0, t.length) : s;
    }
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint':
      return toInteger(v, t.base);
    case 'float':
      if (typeof v === 'string') {
        const n = Number(v.trim());
        if (v.trim() === '' || !Number.isFinite(n)) throw new SqlServerError(8114, 'Error converting data type varchar to float.');
        return n;
      }
      if (v instanceof Date) return (v.getTime() - DAY0) / DAY_MS;
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (v instanceof Uint8Array) throw new SqlServerError(529, 'Explicit conversion from data type varbinary to float is not allowed.');
      return Number(v);
    case 'decimal': {
      if (typeof v === 'bigint') return t.scale === 0 ? v : Number(v);
      const n = typeof v === 'string' ? Number(v.trim()) : typeof v === 'boolean' ? (v ? 1 : 0) : Number(v);
      if (!Number.isFinite(n)) throw new SqlServerError(8114, `Error converting data type ${typeNameOf(v)} to numeric.`);
      const f = 10 ** (t.scale ?? 0);
      return Math.round(n * f) / f;
    }
    case 'bit':
      if (typeof v === 'string') {
        const s = v.trim().toUpperCase();
        if (s === 'TRUE') return true;
        if (s === 'FALSE') return false;
        if (!/^[+-]?\d+(\.\d+)?$/.test(s)) throw new SqlServerError(245, `Conversion failed when converting the varchar value '${v}' to data type bit.`);
        return Number(s) !== 0;
      }
      return typeof v === 'bigint' ? v !== 0n : Boolean(v);
    case 'datetime':
    case 'datetime2':
    case 'datetimeoffset':
    case 'date': {
      if (typeof v === 'number' && t.base !== 'datetime') throw new SqlServerError(529, `Explicit conversion from data type int to ${t.base} is not allowed.`);
      const d = toDate(v)!;
      return t.base === 'date' ? new Date(Math.floor(d.getTime() / DAY_MS) * DAY_MS) : d;
    }
    case 'time':
      return formatDate(toDate(v)!, 108);
    case 'varbinary': {
      const b = toBinary(v, style ?? 0);
      return toLabBinary(typeof t.length === 'number' ? b.subarray(0, t.length) : b);
    }
    case 'uniqueidentifier': {
      const s = String(v).trim();
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s)) {
        throw new SqlServerError(8169, 'Conversion failed when converting from a character string to uniqueidentifier.');
      }
      return s.toUpperCase();
    }
    default:
      return v;
  }
}

const PARTS: Record<string, string> = {
  year: 'year', yy: 'year', yyyy: 'year', quarter: 'quarter', qq: 'quarter', q: 'quarter', month: 'month', mm: 'month', m: 'month',
  dayofyear: 'dayofyear', dy: 'dayofyear', y: 'dayofyear', day: 'day', dd: 'day', d: 'day', week: 'week', wk: 'week', ww: 'week',
  weekday: 'weekday', dw: 'weekday', w: 'weekday', hour: 'hour', hh: 'hour', minute: 'minute', mi: 'minute', n: 'minute',
  second: 'second', ss: 'second', s: 'second', millisecond: 'millisecond', ms: 'millisecond', microsecond: 'microsecond', mcs: 'microsecond',
  nanosecond: 'nanosecond', ns: 'nanosecond',
};

export function datepart(name: string, fn: string): string {
  const p = PARTS[name.toLowerCase()];
  if (!p) throw new SqlServerError(155, `'${name}' is not a recognized ${fn} option.`);
  return p;
}

const UNIT_MS: Record<string, number> = { day: DAY_MS, dayofyear: DAY_MS, weekday: DAY_MS, hour: 3_600_000, minute: 60_000, second: 1000, millisecond: 1 };

/** DATEDIFF counts datepart boundaries crossed between the two dates, not elapsed whole units. */
export function dateDiff(partName: string, a: unknown, b: unknown): number | null {
  const part = datepart(partName, 'datediff');
  const x = toDate(a);
  const y = toDate(b);
  if (!x || !y) return null;
  const t1 = x.getTime();
  const t2 = y.getTime();
  let n: number;
  switch (part) {
    case 'year':
      n = y.getUTCFullYear() - x.getUTCFullYear();
      break;
    case 'quarter':
      n = y.getUTCFullYear() * 4 + Math.floor(y.getUTCMonth() / 3) - (x.getUTCFullYear() * 4 + Math.floor(x.getUTCMonth() / 3));
      break;
    case 'month':
      n = y.getUTCFullYear() * 12 + y.getUTCMonth() - (x.getUTCFullYear() * 12 + x.getUTCMonth());
      break;
    case 'week':
      // Weeks start on Sunday (SET DATEFIRST 7, the us_english default); 1970-01-01 was a Thursday.
      n = Math.floor((Math.floor(t2 / DAY_MS) + 4) / 7) - Math.floor((Math.floor(t1 / DAY_MS) + 4) / 7);
      break;
    case 'microsecond':
      n = (t2 - t1) * 1000;
      break;
    case 'nanosecond':
      n = (t2 - t1) * 1_000_000;
      break;
    default: {
      const u = UNIT_MS[part]!;
      n = Math.floor(t2 / u) - Math.floor(t1 / u);
    }
  }
  if (n < -2147483648 || n > 2147483647) {
    throw new SqlServerError(535, 'The datediff function resulted in an overflow. The number of dateparts separating two date/time instances is too large. Try to use datediff with a less precise datepart.');
  }
  return n;
}

export function dateAdd(partName: string, amount: unknown, d: unknown): Date | null {
  const part = datepart(partName, 'dateadd');
  const base = toDate(d);
  if (!base || amount === null || amount === undefined) return null;
  const n = Math.trunc(Number(amount));
  const out = new Date(base.getTime());
  if (part === 'year' || part === 'quarter' || part === 'month') {
    const months = part === 'year' ? n * 12 : part === 'quarter' ? n * 3 : n;
    const day = out.getUTCDate();
    out.setUTCDate(1);
    out.setUTCMonth(out.getUTCMonth() + months);
    // DATEADD(MONTH, 1, '2025-01-31') is 2025-02-28: the day is clamped to the month's last day.
    const last = new Date(Date.UTC(out.getUTCFullYear(), out.getUTCMonth() + 1, 0)).getUTCDate();
    out.setUTCDate(Math.min(day, last));
    return out;
  }
  if (part === 'week') return new Date(base.getTime() + n * 7 * DAY_MS);
  if (part === 'microsecond' || part === 'nanosecond') return new Date(base.getTime() + Math.trunc(n / (part === 'microsecond' ? 1000 : 1_000_000)));
  return new Date(base.getTime() + n * UNIT_MS[part]!);
}

export function datePart(partName: string, d: unknown): number | null {
  const part = datepart(partName, 'datepart');
  const x = toDate(d);
  if (!x) return null;
  switch (part) {
    case 'year':
      return x.getUTCFullYear();
    case 'quarter':
      return Math.floor(x.getUTCMonth() / 3) + 1;
    case 'month':
      return x.getUTCMonth() + 1;
    case 'dayofyear':
      return Math.floor((x.getTime() - Date.UTC(x.getUTCFullYear(), 0, 1)) / DAY_MS) + 1;
    case 'day':
      return x.getUTCDate();
    case 'week':
      return dateDiff('week', new Date(Date.UTC(x.getUTCFullYear(), 0, 1)), x)! + 1;
    case 'weekday':
      return x.getUTCDay() + 1;
    case 'hour':
      return x.getUTCHours();
    case 'minute':
      return x.getUTCMinutes();
    case 'second':
      return x.getUTCSeconds();
    case 'millisecond':
      return x.getUTCMilliseconds();
    default:
      return x.getUTCMilliseconds() * (part === 'microsecond' ? 1000 : 1_000_000);
  }
}
