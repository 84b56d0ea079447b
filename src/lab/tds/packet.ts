import { AgmedicError } from '../../errors.js';

/** Packet types (MS-TDS 2.2.3.1.1). */
export const PacketType = {
  SQL_BATCH: 0x01,
  RPC: 0x03,
  /** Every server message uses this type, the PRELOGIN reply included (tds.md, rule 1). */
  TABULAR_RESULT: 0x04,
  ATTENTION: 0x06,
  TRANSACTION_MANAGER: 0x0e,
  LOGIN7: 0x10,
  PRELOGIN: 0x12,
} as const;

export const STATUS_EOM = 0x01;
export const STATUS_IGNORE = 0x02;
export const HEADER_LENGTH = 8;
export const DEFAULT_PACKET_SIZE = 4096;
export const MIN_PACKET_SIZE = 512;
export const MAX_PACKET_SIZE = 32767;
/**
 * Before login a client has proved nothing, so what it may make the lab buffer is small: a real
 * PRELOGIN is under 100 bytes and a LOGIN7 a few hundred (every name is at most 128 characters).
 */
export const MAX_HANDSHAKE_MESSAGE_BYTES = 32 * 1024;
/** After login: far above any statement a runbook sends, small enough that 500 sessions fit in memory. */
export const DEFAULT_MAX_REQUEST_BYTES = 16 * 1024 * 1024;

export interface ClientMessage {
  type: number;
  /** The IGNORE bit: the client abandoned this message before finishing it. */
  ignored: boolean;
  payload: Buffer;
  /**
   * Set when the message was larger than the assembler's limit: its bytes were read and dropped
   * (payload is empty), so the connection can answer with an error and stay in step with the client.
   */
  oversizeBytes?: number;
}

/**
 * Reassembles client packets into messages. Packet payloads are kept as slices and joined once at
 * EOM, so a 100 KB parameter costs one copy, not one per packet.
 *
 * Memory per connection is bounded: a packet may not claim more than {@link MAX_PACKET_SIZE} bytes
 * (SQL Server's largest packet size), and a message past `maxMessageBytes` either throws at once
 * (`discardOversize` off: the handshake, where closing is the answer) or is read to its end and
 * dropped.
 */
export class MessageAssembler {
  private pending: Buffer[] = [];
  private pendingLength = 0;
  /** Bytes that must be pending before parsing can make progress (a header, or the packet it announced). */
  private needed = HEADER_LENGTH;
  private parts: Buffer[] = [];
  private partsLength = 0;
  /** Bytes of the current message seen so far, kept or dropped. */
  private messageLength = 0;
  private discarding = false;
  maxMessageBytes = MAX_HANDSHAKE_MESSAGE_BYTES;
  discardOversize = false;

  /** Feeds socket bytes; returns the messages completed by them. Throws on a malformed header. */
  push(chunk: Buffer): ClientMessage[] {
    // A packet dripped in byte by byte is joined once when complete, not once per byte (quadratic).
    this.pending.push(chunk);
    this.pendingLength += chunk.length;
    if (this.pendingLength < this.needed) return [];
    let data = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingLength);
    this.pending = [];
    this.pendingLength = 0;
    this.needed = HEADER_LENGTH;
    const out: ClientMessage[] = [];
    while (data.length >= HEADER_LENGTH) {
      const type = data[0]!;
      const status = data[1]!;
      const length = data.readUInt16BE(2);
      if (length < HEADER_LENGTH) {
        throw new AgmedicError('LAB_TDS_PROTOCOL', `packet length ${length} is shorter than its header`);
      }
      // Checked on the header alone, so a lying length never makes the lab wait for 64 KB.
      if (length > MAX_PACKET_SIZE) {
        throw new AgmedicError('LAB_TDS_PROTOCOL', `packet length ${length} exceeds the largest packet size, ${MAX_PACKET_SIZE}`);
      }
      if (data.length < length) {
        this.needed = length;
        break;
      }
      const body = data.subarray(HEADER_LENGTH, length);
      this.messageLength += body.length;
      if (this.messageLength > this.maxMessageBytes && !this.discarding) {
        if (!this.discardOversize) {
          throw new AgmedicError('LAB_TDS_PROTOCOL', `client message exceeds ${this.maxMessageBytes} bytes`);
        }
        this.discarding = true;
        this.parts = [];
        this.partsLength = 0;
      }
      if (!this.discarding) {
        this.parts.push(body);
        this.partsLength += body.length;
      }
      data = data.subarray(length);
      // ATTENTION may arrive as a lone packet in the middle of nothing else; treat it like any EOM.
      if ((status & STATUS_EOM) !== 0 || type === PacketType.ATTENTION) {
        const ignored = (status & STATUS_IGNORE) !== 0;
        if (this.discarding) {
          out.push({ type, ignored, payload: Buffer.alloc(0), oversizeBytes: this.messageLength });
        } else {
          const payload = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partsLength);
          out.push({ type, ignored, payload: Buffer.from(payload) });
        }
        this.parts = [];
        this.partsLength = 0;
        this.messageLength = 0;
        this.discarding = false;
      }
    }
    if (data.length > 0) {
      // Copied: the slice would keep the whole socket chunk alive.
      this.pending = [Buffer.from(data)];
      this.pendingLength = data.length;
    }
    return out;
  }
}

/**
 * Frames one server message as packets of at most `packetSize` bytes, all in one buffer so the
 * socket gets one write per message.
 */
export function frameMessage(payload: Buffer, packetSize: number, spid: number, nextPacketId: () => number): Buffer {
  const room = packetSize - HEADER_LENGTH;
  const count = Math.max(1, Math.ceil(payload.length / room));
  const out = Buffer.allocUnsafe(payload.length + count * HEADER_LENGTH);
  let src = 0;
  let dst = 0;
  for (let i = 0; i < count; i++) {
    const size = Math.min(room, payload.length - src);
    out[dst] = PacketType.TABULAR_RESULT;
    out[dst + 1] = i === count - 1 ? STATUS_EOM : 0;
    out.writeUInt16BE(size + HEADER_LENGTH, dst + 2);
    out.writeUInt16BE(spid & 0xffff, dst + 4);
    out[dst + 6] = nextPacketId();
    out[dst + 7] = 0;
    payload.copy(out, dst + HEADER_LENGTH, src, src + size);
    src += size;
    dst += size + HEADER_LENGTH;
  }
  return out;
}
