import { AgmedicError } from '../../errors.js';

const MS_PER_DAY = 86_400_000;
/** 1900-01-01T00:00:00Z, the epoch of DATETIME. */
const EPOCH_1900 = Date.UTC(1900, 0, 1);
/** 0001-01-01T00:00:00Z, the epoch of DATE/DATETIME2/DATETIMEOFFSET (Date.UTC maps year 1 to 1901). */
const EPOCH_0001 = -62_135_596_800_000;

function toMs(value: Date | string | number): number {
  const ms = value instanceof Date ? value.getTime() : new Date(value).getTime();
  if (Number.isNaN(ms)) throw new AgmedicError('LAB_TDS_PROTOCOL', `not a valid date/time: ${String(value)}`);
  return ms;
}

/** DATETIME: days since 1900 (i32) and 1/300 s ticks since midnight, rounded as SQL Server does. */
export function toDateTimeParts(value: Date | string | number): { days: number; ticks: number } {
  const ms = toMs(value) - EPOCH_1900;
  let days = Math.floor(ms / MS_PER_DAY);
  let ticks = Math.round(((ms - days * MS_PER_DAY) * 3) / 10);
  if (ticks === 25_920_000) {
    days += 1;
    ticks = 0;
  }
  return { days, ticks };
}

export function fromDateTimeParts(days: number, ticks: number): Date {
  return new Date(EPOCH_1900 + days * MS_PER_DAY + Math.round((ticks * 10) / 3));
}

/** Time units of 10^-scale s since midnight and days since 0001-01-01, both UTC. */
export function toDateTime2Parts(value: Date | string | number, scale: number): { days: number; time: number } {
  const ms = toMs(value) - EPOCH_0001;
  const days = Math.floor(ms / MS_PER_DAY);
  const msOfDay = ms - days * MS_PER_DAY;
  return { days, time: Math.round(msOfDay * 10 ** (scale - 3)) };
}

export function fromDateTime2Parts(days: number, time: number, scale: number): Date {
  return new Date(EPOCH_0001 + days * MS_PER_DAY + Math.floor(time / 10 ** (scale - 3)));
}

/** Byte length of a TIME/DATETIME2 time part for a given scale. */
export function timeLength(scale: number): number {
  return scale <= 2 ? 3 : scale <= 4 ? 4 : 5;
}

/** GUID text ↔ its wire form, whose first three groups are little-endian. */
const GUID_ORDER = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];

export function guidToBytes(text: string): Buffer {
  const hex = text.replace(/[{}-]/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new AgmedicError('LAB_TDS_PROTOCOL', `not a uniqueidentifier: ${text}`);
  const raw = Buffer.from(hex, 'hex');
  const out = Buffer.allocUnsafe(16);
  for (let i = 0; i < 16; i++) out[i] = raw[GUID_ORDER[i]!]!;
  return out;
}

export function bytesToGuid(bytes: Buffer): string {
  const raw = Buffer.allocUnsafe(16);
  for (let i = 0; i < 16; i++) raw[GUID_ORDER[i]!] = bytes[i]!;
  const h = raw.toString('hex').toUpperCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
