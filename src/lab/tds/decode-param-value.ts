import { AgmedicError } from '../../errors.js';
import type { SqlType, SqlValue } from '../engine-types.js';
import type { BufferReader } from './buffer-reader.js';
import { bytesToGuid, fromDateTime2Parts, fromDateTimeParts } from './temporal.js';

/** A TYPE_INFO as read from an RPC parameter, enough to read its value. */
interface ParamTypeInfo {
  id: number;
  /** Declared length byte/u16 for variable types; 0xFFFF marks MAX (PLP). */
  length: number;
  precision: number;
  scale: number;
  sqlType: SqlType;
}

const unsupported = (id: number): AgmedicError =>
  new AgmedicError('LAB_TDS_PROTOCOL', `parameter type 0x${id.toString(16).padStart(2, '0')} is not supported by the lab`);

const INT_NAMES = { 1: 'tinyint', 2: 'smallint', 4: 'int', 8: 'bigint' } as const;

/** Fixed-length legacy types (FreeTDS may send these): id → byte size and lab type. */
const FIXED: Record<number, { size: number; type: SqlType }> = {
  0x30: { size: 1, type: { name: 'tinyint' } },
  0x32: { size: 1, type: { name: 'bit' } },
  0x34: { size: 2, type: { name: 'smallint' } },
  0x38: { size: 4, type: { name: 'int' } },
  0x7f: { size: 8, type: { name: 'bigint' } },
  0x3b: { size: 4, type: { name: 'float' } },
  0x3e: { size: 8, type: { name: 'float' } },
  0x3d: { size: 8, type: { name: 'datetime' } },
  0x3a: { size: 4, type: { name: 'datetime' } },
  0x3c: { size: 8, type: { name: 'decimal', precision: 19, scale: 4 } },
  0x7a: { size: 4, type: { name: 'decimal', precision: 10, scale: 4 } },
};

export function readTypeInfo(r: BufferReader): ParamTypeInfo {
  const id = r.u8();
  const fixed = FIXED[id];
  if (fixed) return { id, length: fixed.size, precision: 0, scale: 0, sqlType: fixed.type };
  switch (id) {
    case 0x26: {
      const length = r.u8();
      const name = INT_NAMES[length as keyof typeof INT_NAMES];
      if (!name) throw new AgmedicError('LAB_TDS_PROTOCOL', `INTN length ${length} is invalid`);
      return { id, length, precision: 0, scale: 0, sqlType: { name } };
    }
    case 0x68:
      return { id, length: r.u8(), precision: 0, scale: 0, sqlType: { name: 'bit' } };
    case 0x6d:
      return { id, length: r.u8(), precision: 0, scale: 0, sqlType: { name: 'float' } };
    case 0x6e: {
      const length = r.u8();
      return { id, length, precision: 0, scale: 4, sqlType: { name: 'decimal', precision: length === 4 ? 10 : 19, scale: 4 } };
    }
    case 0x6f:
      return { id, length: r.u8(), precision: 0, scale: 0, sqlType: { name: 'datetime' } };
    case 0x6a:
    case 0x6c: {
      const length = r.u8();
      const precision = r.u8();
      const scale = r.u8();
      return { id, length, precision, scale, sqlType: { name: 'decimal', precision, scale } };
    }
    case 0x24:
      return { id, length: r.u8(), precision: 0, scale: 0, sqlType: { name: 'uniqueidentifier' } };
    // DATE and TIME have no lab type of their own; they arrive as datetime2 values.
    case 0x28:
      return { id, length: 3, precision: 0, scale: 0, sqlType: { name: 'datetime2', scale: 0 } };
    case 0x29:
    case 0x2a:
    case 0x2b: {
      const scale = r.u8();
      if (scale > 7) throw new AgmedicError('LAB_TDS_PROTOCOL', `time scale ${scale} is invalid`);
      const name = id === 0x2b ? 'datetimeoffset' : 'datetime2';
      return { id, length: 0, precision: 0, scale, sqlType: { name, scale } };
    }
    case 0xe7:
    case 0xef:
    case 0xa7:
    case 0xaf: {
      const length = r.u16le();
      r.bytes(5); // collation: values are decoded by type (UCS-2 or single-byte), not by code page
      const unicode = id === 0xe7 || id === 0xef;
      const chars = length === 0xffff ? 'max' : unicode ? length / 2 : length;
      return { id, length, precision: 0, scale: 0, sqlType: { name: unicode ? 'nvarchar' : 'varchar', length: chars } };
    }
    case 0xa5:
    case 0xad: {
      const length = r.u16le();
      return { id, length, precision: 0, scale: 0, sqlType: { name: 'varbinary', length: length === 0xffff ? 'max' : length } };
    }
    case 0xf1: {
      if (r.u8() !== 0) throw unsupported(id); // XML with a schema collection
      return { id, length: 0xffff, precision: 0, scale: 0, sqlType: { name: 'nvarchar', length: 'max' } };
    }
    default:
      throw unsupported(id);
  }
}

/** Reads a PLP value (u64 total or 0xFF…FF for NULL, then u32-length chunks up to a 0 chunk). */
function readPlp(r: BufferReader): Buffer | null {
  const total = r.u64le();
  if (total === 0xffff_ffff_ffff_ffffn) return null;
  const chunks: Buffer[] = [];
  for (;;) {
    const size = r.u32le();
    if (size === 0) break;
    chunks.push(r.bytes(size));
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

function readScaledDecimal(data: Buffer, scale: number): number {
  let magnitude = 0n;
  for (let i = data.length - 1; i >= 1; i--) magnitude = (magnitude << 8n) | BigInt(data[i]!);
  // Same arithmetic as tedious' reader, so a value sent and echoed back compares equal.
  const sign = data[0] === 1 ? 1 : -1;
  return (Number(magnitude) * sign) / 10 ** scale;
}

function readMoney(data: Buffer): number {
  const raw = data.length === 4 ? BigInt(data.readInt32LE(0)) : (BigInt(data.readInt32LE(0)) << 32n) | BigInt(data.readUInt32LE(4));
  return Number(raw) / 10_000;
}

/** Reads the value following a TYPE_INFO. */
export function readParamValue(r: BufferReader, t: ParamTypeInfo): SqlValue {
  const fixed = FIXED[t.id];
  if (fixed) return decodeFixedWidth(t, r.bytes(fixed.size));
  switch (t.id) {
    case 0xe7:
    case 0xef:
    case 0xa7:
    case 0xaf:
    case 0xa5:
    case 0xad:
    case 0xf1: {
      let data: Buffer | null;
      if (t.length === 0xffff) data = readPlp(r);
      else {
        const size = r.u16le();
        data = size === 0xffff ? null : r.bytes(size);
      }
      if (data === null) return null;
      if (t.sqlType.name === 'varbinary') return new Uint8Array(data);
      return t.sqlType.name === 'nvarchar' ? data.toString('utf16le') : data.toString('latin1');
    }
    default: {
      const size = r.u8();
      return size === 0 ? null : decodeFixedWidth(t, r.bytes(size));
    }
  }
}

function decodeFixedWidth(t: ParamTypeInfo, data: Buffer): SqlValue {
  switch (t.id) {
    case 0x30:
    case 0x32:
    case 0x34:
    case 0x38:
    case 0x7f:
    case 0x26:
    case 0x68:
      if (t.sqlType.name === 'bit') return data[0] !== 0;
      if (data.length === 8) return data.readBigInt64LE(0);
      return data.length === 1 ? data[0]! : data.length === 2 ? data.readInt16LE(0) : data.readInt32LE(0);
    case 0x3b:
    case 0x3e:
    case 0x6d:
      return data.length === 4 ? data.readFloatLE(0) : data.readDoubleLE(0);
    case 0x3d:
    case 0x3a:
    case 0x6f:
      // SMALLDATETIME is days since 1900 (u16) and minutes since midnight (u16).
      return data.length === 4
        ? fromDateTimeParts(data.readUInt16LE(0), data.readUInt16LE(2) * 60 * 300)
        : fromDateTimeParts(data.readInt32LE(0), data.readUInt32LE(4));
    case 0x3c:
    case 0x7a:
    case 0x6e:
      return readMoney(data);
    case 0x6a:
    case 0x6c:
      return readScaledDecimal(data, t.scale);
    case 0x24:
      return bytesToGuid(data);
    case 0x28:
      return fromDateTime2Parts(data.readUIntLE(0, 3), 0, 0);
    case 0x29:
      return fromDateTime2Parts(719_162, data.readUIntLE(0, data.length), t.scale); // time of day on 1970-01-01
    case 0x2a:
    case 0x2b: {
      const timeBytes = data.length - 3 - (t.id === 0x2b ? 2 : 0);
      return fromDateTime2Parts(data.readUIntLE(timeBytes, 3), data.readUIntLE(0, timeBytes), t.scale);
    }
    default:
      throw unsupported(t.id);
  }
}
