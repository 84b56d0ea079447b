import { AgmedicError } from '../../errors.js';
import { BufferReader } from './buffer-reader.js';

/** What the lab needs from a LOGIN7 message (MS-TDS 2.2.6.4). */
export interface Login7 {
  tdsVersion: number;
  packetSize: number;
  /** TypeFlags bit 0x20: ApplicationIntent=ReadOnly. */
  readOnlyIntent: boolean;
  hostName: string;
  userName: string;
  password: string;
  appName: string;
  serverName: string;
  language: string;
  database: string;
}

const FIXED_LENGTH = 94;

/** LOGIN7 passwords are nibble-swapped and XORed with 0xA5 byte by byte, then UCS-2. */
export function deobfuscatePassword(bytes: Buffer): string {
  const plain = Buffer.allocUnsafe(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]! ^ 0xa5;
    plain[i] = ((b << 4) | (b >> 4)) & 0xff;
  }
  return plain.toString('utf16le');
}

export function parseLogin7(payload: Buffer): Login7 {
  if (payload.length < FIXED_LENGTH) {
    throw new AgmedicError('LAB_TDS_PROTOCOL', `LOGIN7 is ${payload.length} bytes, shorter than its fixed part`);
  }
  const r = new BufferReader(payload);
  r.u32le(); // total length: the packet framing already bounded it
  const tdsVersion = payload.readUInt32LE(4);
  const packetSize = payload.readUInt32LE(8);
  const typeFlags = payload[26]!;
  // (offset, char count) pairs start at 36, in this fixed order.
  const field = (index: number): Buffer => {
    const at = 36 + index * 4;
    const offset = payload.readUInt16LE(at);
    const chars = payload.readUInt16LE(at + 2);
    r.offset = offset;
    return r.bytes(chars * 2);
  };
  const text = (index: number): string => field(index).toString('utf16le');
  return {
    tdsVersion,
    packetSize,
    readOnlyIntent: (typeFlags & 0x20) !== 0,
    hostName: text(0),
    userName: text(1),
    password: deobfuscatePassword(field(2)),
    appName: text(3),
    serverName: text(4),
    // index 5 is the extension (or unused) slot, 6 the client interface name
    language: text(7),
    database: text(8),
  };
}
