import { AgmedicError } from '../../errors.js';
import { BufferWriter } from './buffer-writer.js';

const OPT_VERSION = 0x00;
const OPT_ENCRYPTION = 0x01;
const OPT_INSTOPT = 0x02;
const OPT_THREADID = 0x03;
const OPT_MARS = 0x04;
const OPT_TERMINATOR = 0xff;

export const ENCRYPT_NOT_SUP = 0x02;

/** SQL Server 2022 (16.0) CU build the lab claims to be. */
export const SERVER_VERSION = { major: 16, minor: 0, build: 4135, subBuild: 4 } as const;

export interface PreloginRequest {
  encryption: number | undefined;
}

/** Reads the option table of a client PRELOGIN (big-endian offsets and lengths). */
export function parsePrelogin(payload: Buffer): PreloginRequest {
  let encryption: number | undefined;
  let at = 0;
  for (;;) {
    if (at >= payload.length) throw new AgmedicError('LAB_TDS_PROTOCOL', 'PRELOGIN option table is not terminated');
    const token = payload[at]!;
    if (token === OPT_TERMINATOR) break;
    if (at + 5 > payload.length) throw new AgmedicError('LAB_TDS_PROTOCOL', 'PRELOGIN option entry is truncated');
    const offset = payload.readUInt16BE(at + 1);
    const length = payload.readUInt16BE(at + 3);
    if (offset + length > payload.length) throw new AgmedicError('LAB_TDS_PROTOCOL', 'PRELOGIN option data out of range');
    if (token === OPT_ENCRYPTION && length >= 1) encryption = payload[offset];
    at += 5;
  }
  return { encryption };
}

/**
 * The PRELOGIN reply: VERSION, ENCRYPTION, INSTOPT, THREADID, MARS — MARS must be present or
 * FreeTDS falls back to TDS 7.1 (tds.md, rule 2); no TRACEID, no FEDAUTHREQUIRED.
 */
export function buildPreloginReply(encryption: number, threadId: number): Buffer {
  const version = new BufferWriter(6)
    .u8(SERVER_VERSION.major)
    .u8(SERVER_VERSION.minor)
    .u16be(SERVER_VERSION.build)
    .u16be(SERVER_VERSION.subBuild)
    .view();
  const options: [number, Buffer][] = [
    [OPT_VERSION, Buffer.from(version)],
    [OPT_ENCRYPTION, Buffer.from([encryption])],
    [OPT_INSTOPT, Buffer.from([0])],
    [OPT_THREADID, new BufferWriter(4).u32be(threadId).view()],
    [OPT_MARS, Buffer.from([0])],
  ];
  const w = new BufferWriter(64);
  let dataOffset = options.length * 5 + 1;
  for (const [token, data] of options) {
    w.u8(token).u16be(dataOffset).u16be(data.length);
    dataOffset += data.length;
  }
  w.u8(OPT_TERMINATOR);
  for (const [, data] of options) w.bytes(data);
  return Buffer.from(w.view());
}
