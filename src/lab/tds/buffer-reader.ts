import { AgmedicError } from '../../errors.js';

/**
 * A bounds-checked little-endian reader over one client message. Every overrun throws
 * LAB_TDS_PROTOCOL so a malformed request becomes an ERROR token, never a crashed server.
 */
export class BufferReader {
  offset: number;

  constructor(
    readonly buf: Buffer,
    offset = 0,
  ) {
    this.offset = offset;
  }

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  need(n: number): void {
    if (n < 0 || this.offset + n > this.buf.length) {
      throw new AgmedicError('LAB_TDS_PROTOCOL', `truncated message: needed ${n} bytes at offset ${this.offset}`);
    }
  }

  u8(): number {
    this.need(1);
    return this.buf[this.offset++]!;
  }

  u16le(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.offset);
    this.offset += 2;
    return v;
  }

  i16le(): number {
    this.need(2);
    const v = this.buf.readInt16LE(this.offset);
    this.offset += 2;
    return v;
  }

  u32le(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.offset);
    this.offset += 4;
    return v;
  }

  i32le(): number {
    this.need(4);
    const v = this.buf.readInt32LE(this.offset);
    this.offset += 4;
    return v;
  }

  uintLE(bytes: number): number {
    this.need(bytes);
    const v = this.buf.readUIntLE(this.offset, bytes);
    this.offset += bytes;
    return v;
  }

  u64le(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.offset);
    this.offset += 8;
    return v;
  }

  i64le(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64LE(this.offset);
    this.offset += 8;
    return v;
  }

  f32le(): number {
    this.need(4);
    const v = this.buf.readFloatLE(this.offset);
    this.offset += 4;
    return v;
  }

  f64le(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.offset);
    this.offset += 8;
    return v;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  ucs2(chars: number): string {
    return this.bytes(chars * 2).toString('utf16le');
  }

  bVarchar(): string {
    return this.ucs2(this.u8());
  }

  usVarchar(): string {
    return this.ucs2(this.u16le());
  }
}
