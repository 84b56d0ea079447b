/**
 * A growable little-endian writer for TDS payloads. One instance builds one whole response, so a
 * response costs a handful of allocations however many tokens it holds.
 */
export class BufferWriter {
  private buf: Buffer;
  length = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  private ensure(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < needed) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.length++] = v & 0xff;
    return this;
  }

  u16le(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16LE(v & 0xffff, this.length);
    this.length += 2;
    return this;
  }

  u16be(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16BE(v & 0xffff, this.length);
    this.length += 2;
    return this;
  }

  i16le(v: number): this {
    this.ensure(2);
    this.buf.writeInt16LE(v, this.length);
    this.length += 2;
    return this;
  }

  u32le(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.length);
    this.length += 4;
    return this;
  }

  u32be(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.length);
    this.length += 4;
    return this;
  }

  i32le(v: number): this {
    this.ensure(4);
    this.buf.writeInt32LE(v, this.length);
    this.length += 4;
    return this;
  }

  /** Unsigned integer of `bytes` bytes (≤ 6), little-endian. */
  uintLE(v: number, bytes: number): this {
    this.ensure(bytes);
    this.buf.writeUIntLE(v, this.length, bytes);
    this.length += bytes;
    return this;
  }

  u64le(v: bigint): this {
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt.asUintN(64, v), this.length);
    this.length += 8;
    return this;
  }

  i64le(v: bigint): this {
    this.ensure(8);
    this.buf.writeBigInt64LE(BigInt.asIntN(64, v), this.length);
    this.length += 8;
    return this;
  }

  f32le(v: number): this {
    this.ensure(4);
    this.buf.writeFloatLE(v, this.length);
    this.length += 4;
    return this;
  }

  f64le(v: number): this {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.length);
    this.length += 8;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  /** UCS-2 text without a length prefix. */
  ucs2(s: string): this {
    this.ensure(s.length * 2);
    this.length += this.buf.write(s, this.length, 'utf16le');
    return this;
  }

  /** B_VARCHAR: character count as u8, then UCS-2. */
  bVarchar(s: string): this {
    const text = s.length > 255 ? s.slice(0, 255) : s;
    return this.u8(text.length).ucs2(text);
  }

  /** US_VARCHAR: character count as u16, then UCS-2. */
  usVarchar(s: string): this {
    const text = s.length > 0xffff ? s.slice(0, 0xffff) : s;
    return this.u16le(text.length).ucs2(text);
  }

  /** Reserves a u16 to be filled in later (token lengths); returns its offset. */
  reserveU16(): number {
    this.ensure(2);
    const at = this.length;
    this.length += 2;
    return at;
  }

  patchU16le(at: number, v: number): void {
    this.buf.writeUInt16LE(v & 0xffff, at);
  }

  /** The written bytes; a view, valid until the next write. */
  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}
