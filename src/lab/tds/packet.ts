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
/** A client message larger than this is treated as hostile and the socket is closed. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export interface ClientMessage {
  type: number;
  /** The IGNORE bit: the client abandoned this message before finishing it. */
  ignored: boolean;
  payload: Buffer;
}

/**
 * Reassembles client packets into messages. Packet payloads are kept as slices and joined once at
 * EOM, so a 100 KB parameter costs one copy, not one per packet.
 */
export class MessageAssembler {
  private pending: Buffer | undefined;
  private parts: Buffer[] = [];
  private partsLength = 0;

  /** Feeds socket bytes; returns the messages completed by them. Throws on a malformed header. */
  push(chunk: Buffer): ClientMessage[] {
    let data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    const out: ClientMessage[] = [];
    while (data.length >= HEADER_LENGTH) {
      const type = data[0]!;
      const status = data[1]!;
      const length = data.readUInt16BE(2);
      if (length < HEADER_LENGTH) {
        throw new AgmedicError('LAB_TDS_PROTOCOL', `packet length ${length} is shorter than its header`);
      }
      if (data.length < length) break;
      this.parts.push(data.subarray(HEADER_LENGTH, length));
      this.partsLength += length - HEADER_LENGTH;
      if (this.partsLength > MAX_MESSAGE_BYTES) {
        throw new AgmedicError('LAB_TDS_PROTOCOL', 'client message exceeds 64 MiB');
      }
      data = data.subarray(length);
      // ATTENTION may arrive as a lone packet in the middle of nothing else; treat it like any EOM.
      if ((status & STATUS_EOM) !== 0 || type === PacketType.ATTENTION) {
        const payload = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partsLength);
        out.push({ type, ignored: (status & STATUS_IGNORE) !== 0, payload: Buffer.from(payload) });
        this.parts = [];
        this.partsLength = 0;
      }
    }
    if (data.length > 0) this.pending = Buffer.from(data);
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
