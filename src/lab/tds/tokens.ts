import type { BufferWriter } from './buffer-writer.js';
import { SERVER_VERSION } from './prelogin.js';

export const Token = {
  RETURNSTATUS: 0x79,
  COLMETADATA: 0x81,
  ERROR: 0xaa,
  INFO: 0xab,
  LOGINACK: 0xad,
  ROW: 0xd1,
  ENVCHANGE: 0xe3,
  DONE: 0xfd,
  DONEPROC: 0xfe,
  DONEINPROC: 0xff,
} as const;

export const DoneStatus = { FINAL: 0x00, MORE: 0x01, ERROR: 0x02, COUNT: 0x10, ATTN: 0x20 } as const;

export const EnvChange = {
  DATABASE: 1,
  LANGUAGE: 2,
  PACKET_SIZE: 4,
  COLLATION: 7,
  BEGIN_TXN: 8,
  COMMIT_TXN: 9,
  ROLLBACK_TXN: 10,
} as const;

/** SQL_Latin1_General_CP1_CI_AS as the 5-byte TDS collation. */
export const DEFAULT_COLLATION = Buffer.from([0x09, 0x04, 0xd0, 0x00, 0x34]);

export const TDS_7_4 = 0x74000004;

/** Curcmd values SQL Server reports; clients ignore them but tools print them. */
export const CurCmd = { SELECT: 0xc1, NONE: 0x00, EXECUTE: 0xe0 } as const;

export function writeDone(w: BufferWriter, token: number, status: number, curCmd: number, rowCount = 0): void {
  w.u8(token).u16le(status).u16le(curCmd).u64le(BigInt(rowCount));
}

export interface MessageFields {
  number: number;
  state: number;
  class: number;
  message: string;
  serverName: string;
  procName?: string;
  line?: number;
}

/** ERROR or INFO: the fields mssql copies onto RequestError (.number .state .class .lineNumber). */
export function writeMessage(w: BufferWriter, token: typeof Token.ERROR | typeof Token.INFO, m: MessageFields): void {
  w.u8(token);
  const lenAt = w.reserveU16();
  const start = w.length;
  w.i32le(m.number)
    .u8(m.state)
    .u8(m.class)
    .usVarchar(m.message)
    .bVarchar(m.serverName)
    .bVarchar(m.procName ?? '')
    .u32le(m.line ?? 1);
  w.patchU16le(lenAt, w.length - start);
}

export function writeEnvChangeText(w: BufferWriter, type: number, newValue: string, oldValue: string): void {
  w.u8(Token.ENVCHANGE);
  const lenAt = w.reserveU16();
  const start = w.length;
  w.u8(type).bVarchar(newValue).bVarchar(oldValue);
  w.patchU16le(lenAt, w.length - start);
}

export function writeEnvChangeBytes(w: BufferWriter, type: number, newValue: Uint8Array, oldValue: Uint8Array): void {
  w.u8(Token.ENVCHANGE);
  const lenAt = w.reserveU16();
  const start = w.length;
  w.u8(type).u8(newValue.length).bytes(newValue).u8(oldValue.length).bytes(oldValue);
  w.patchU16le(lenAt, w.length - start);
}

/**
 * LOGINACK with interface 1 (SQL_TSQL) and an exact length: FreeTDS derives the program name's
 * length from it (tds.md, rule 3).
 */
export function writeLoginAck(w: BufferWriter, tdsVersion: number): void {
  const progName = 'Microsoft SQL Server';
  w.u8(Token.LOGINACK)
    .u16le(10 + progName.length * 2)
    .u8(1)
    .u32be(tdsVersion)
    .bVarchar(progName)
    .u8(SERVER_VERSION.major)
    .u8(SERVER_VERSION.minor)
    .u8(SERVER_VERSION.build >> 8)
    .u8(SERVER_VERSION.build & 0xff);
}

export function writeReturnStatus(w: BufferWriter, value: number): void {
  w.u8(Token.RETURNSTATUS).i32le(value);
}
