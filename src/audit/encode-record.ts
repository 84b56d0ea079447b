/**
 * The line format. Every record is one line of canonical JSON with its chain fields first:
 *
 *   {"hash":"<64 hex>","prev":"<64 hex>","seq":<n>,<the other fields, keys sorted>}\n
 *   0        9        73 74
 *
 * `hash` = sha256 of the line's UTF-8 bytes from offset 74 — the comma after the hash member —
 * through the closing `}`: that is every byte of the record except the hash itself, `prev`
 * included, so each record commits to its predecessor. `prev` of the first record is 64 zeros.
 *
 * Why this and not "sha256(prev + re-canonicalised record)": the verifier finds hash, prev and
 * seq at fixed offsets and hashes one contiguous slice of the bytes as read — no JSON.parse, no
 * re-serialisation, no string decoding — which is what lets a million records verify in seconds,
 * and it makes verification independent of any serialiser's quirks. Only the writer produces
 * canonical JSON (sorted keys, no whitespace, via runbook/canonical.ts).
 */
import { hash as sha256 } from 'node:crypto';
import { canonicalJson } from '../runbook/canonical.js';
import { AgmedicError } from '../errors.js';
import type { AuditEvent } from './types.js';

/** Byte offsets of the fixed header; every character before SEQ_AT is ASCII, so bytes = chars. */
export const HASH_AT = 9; // after {"hash":"
export const HASHED_FROM = 74; // the comma after the hash member
export const PREV_AT = 83; // after {"hash":"<64>","prev":"
export const SEQ_AT = 155; // after {"hash":"<64>","prev":"<64>","seq":
const RESERVED = ['seq', 'ts', 'prev', 'hash'] as const;

/** The chain fields of a line, read at their fixed offsets without parsing the rest. */
export interface LineHeader {
  hash: string;
  prev: string;
  seq: number;
}

/**
 * Serialises one redacted event as a line (with its trailing newline) and returns its hash.
 *
 * @example
 * const { line, hash } = encodeRecord(GENESIS, 1, '2024-05-01T10:00:00.000Z', event);
 */
export function encodeRecord(prev: string, seq: number, ts: string, event: AuditEvent): { line: string; hash: string } {
  assertNoChainFields(event);
  const tail = `,"prev":"${prev}","seq":${seq},${canonicalJson({ ...event, ts }).slice(1)}`;
  const hash = sha256('sha256', tail, 'hex');
  return { line: `{"hash":"${hash}"${tail}\n`, hash };
}

/** The sink owns seq, ts, prev and hash; an event carrying one is a caller bug. */
export function assertNoChainFields(event: object): void {
  for (const k of RESERVED) {
    if (k in event) throw new AgmedicError('INTERNAL', `audit: an event may not carry the chain field "${k}"`);
  }
}

/**
 * Reads hash, prev and seq from the line occupying `buf[start, end)` (no newline); undefined when
 * the bytes are not in the format. Works on bytes so the verifier never decodes the file.
 */
export function readHeaderBytes(buf: Buffer, start: number, end: number): LineHeader | undefined {
  if (end - start < SEQ_AT + 3 || buf[end - 1] !== 0x7d /* } */) return undefined;
  // Byte loops, not subarray().equals(): this runs a million times per verify.
  if (!bytesAt(buf, start, HEAD_1) || !bytesAt(buf, start + HASH_AT + 64, HEAD_2) || !bytesAt(buf, start + PREV_AT + 64, HEAD_3)) {
    return undefined;
  }
  let seq = 0;
  let i = start + SEQ_AT;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c === 0x2c /* , */) break;
    if (c < 0x30 || c > 0x39 || (seq === 0 && c === 0x30) || i - start - SEQ_AT > 15) return undefined;
    seq = seq * 10 + (c - 0x30);
  }
  if (seq === 0 || i === end) return undefined;
  // No hex check here: `hash` must equal a computed hex digest, and `prev` the previous `hash`,
  // so anything else fails those comparisons anyway.
  return {
    hash: buf.toString('latin1', start + HASH_AT, start + HASH_AT + 64),
    prev: buf.toString('latin1', start + PREV_AT, start + PREV_AT + 64),
    seq,
  };
}

function bytesAt(buf: Buffer, at: number, expected: Uint8Array): boolean {
  for (let i = 0; i < expected.length; i++) if (buf[at + i] !== expected[i]) return false;
  return true;
}

/** The same as {@link readHeaderBytes} for a decoded line. */
export function readLineHeader(line: string): LineHeader | undefined {
  const buf = Buffer.from(line, 'utf8');
  return readHeaderBytes(buf, 0, buf.length);
}

/** The hash a line's own bytes say it should have. */
export function hashOfLineBytes(buf: Buffer, start: number, end: number): string {
  return sha256('sha256', buf.subarray(start + HASHED_FROM, end), 'hex');
}

/** The same as {@link hashOfLineBytes} for a decoded line. */
export function hashOfLine(line: string): string {
  return sha256('sha256', line.slice(HASHED_FROM), 'hex');
}

const HEAD_1 = Buffer.from('{"hash":"');
const HEAD_2 = Buffer.from('","prev":"');
const HEAD_3 = Buffer.from('","seq":');
