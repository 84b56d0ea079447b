import { AgmedicError } from '../../errors.js';
import type { SqlParam } from '../engine-types.js';
import { BufferReader } from './buffer-reader.js';
import { readParamValue, readTypeInfo } from './decode-param-value.js';

/** Skips ALL_HEADERS (TDS 7.2+) by its total length; a payload without them starts with text. */
export function skipAllHeaders(payload: Buffer): number {
  if (payload.length < 4) return 0;
  const total = payload.readUInt32LE(0);
  // UCS-2 text read as a u32 is far larger than the payload, so this also detects pre-7.2 clients.
  if (total < 4 || total > payload.length) return 0;
  return total;
}

export function decodeSqlBatch(payload: Buffer): string {
  const start = skipAllHeaders(payload);
  if ((payload.length - start) % 2 !== 0) throw new AgmedicError('LAB_TDS_PROTOCOL', 'SQL_BATCH text has an odd byte count');
  return payload.toString('utf16le', start);
}

/** Procedure ids a client may send instead of a name (MS-TDS 2.2.6.6). */
const PROC_NAMES: Record<number, string> = {
  1: 'sp_cursor',
  2: 'sp_cursoropen',
  3: 'sp_cursorprepare',
  4: 'sp_cursorexecute',
  5: 'sp_cursorprepexec',
  6: 'sp_cursorunprepare',
  7: 'sp_cursorfetch',
  8: 'sp_cursoroption',
  9: 'sp_cursorclose',
  10: 'sp_executesql',
  11: 'sp_prepare',
  12: 'sp_execute',
  13: 'sp_prepexec',
  14: 'sp_prepexecrpc',
  15: 'sp_unprepare',
};

export interface RpcCall {
  /** Lower-cased procedure name without schema, e.g. `sp_executesql`, `sp_getapplock`. */
  procName: string;
  /** The name as the client sent it (`dbo.sp_getapplock`). */
  rawName: string;
  params: SqlParam[];
}

export function decodeRpc(payload: Buffer): RpcCall {
  const r = new BufferReader(payload, skipAllHeaders(payload));
  const nameLength = r.u16le();
  let rawName: string;
  if (nameLength === 0xffff) {
    const id = r.u16le();
    rawName = PROC_NAMES[id] ?? `proc#${id}`;
  } else {
    rawName = r.ucs2(nameLength);
  }
  r.u16le(); // option flags (WITH RECOMPILE, no metadata) change nothing in the lab
  const params: SqlParam[] = [];
  while (r.remaining > 0) {
    // 0xFF/0xFE here would start a batched second RPC; the lab serves one call per message.
    if (r.buf[r.offset] === 0xff || r.buf[r.offset] === 0xfe) break;
    const name = r.bVarchar();
    const status = r.u8();
    const info = readTypeInfo(r);
    const value = readParamValue(r, info);
    const param: SqlParam = { name: name.startsWith('@') ? name.slice(1) : name, type: info.sqlType, value };
    if ((status & 0x01) !== 0) param.output = true;
    params.push(param);
  }
  const bare = (rawName.split('.').pop() ?? rawName).replace(/^\[|\]$/g, '');
  return { procName: bare.toLowerCase(), rawName, params };
}

export const TmRequest = { GET_DTC_ADDRESS: 0, PROPAGATE: 1, BEGIN: 5, PROMOTE: 6, COMMIT: 7, ROLLBACK: 8, SAVE: 9 } as const;

export interface TransactionRequest {
  type: number;
  name: string;
  isolationLevel: number;
}

export function decodeTransactionRequest(payload: Buffer): TransactionRequest {
  const r = new BufferReader(payload, skipAllHeaders(payload));
  const type = r.u16le();
  let isolationLevel = 0;
  let name = '';
  if (type === TmRequest.BEGIN) {
    isolationLevel = r.u8();
    name = r.bytes(r.u8()).toString('utf16le');
  } else if (type === TmRequest.COMMIT || type === TmRequest.ROLLBACK || type === TmRequest.SAVE) {
    name = r.bytes(r.u8()).toString('utf16le');
  }
  return { type, name, isolationLevel };
}
