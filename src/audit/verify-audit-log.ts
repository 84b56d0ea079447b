/**
 * Checks the hash chain of an audit log in one streaming pass and names the first bad line.
 *
 * Per line: read hash/prev/seq at fixed offsets, one sha256 over the line's bytes as they are on
 * disk, then compare with the previous line. The JSON of the body is not parsed here (that would
 * double the cost): its bytes are covered by the hash, and `readAuditLog` parses it for display. How a break is classified (P = the last good line):
 *   - the line does not hash to its own `hash`                      → edited (this line)
 *   - right prev, wrong seq                                         → seq
 *   - wrong prev, next seq                                          → edited (line P: its content
 *                                                                     changed and its hash was recomputed)
 *   - wrong prev, seq of P, chains from the line before P           → inserted (line P)
 *   - wrong prev, a seq already seen                                → inserted (this line)
 *   - wrong prev, seq ahead: the missing record is found further on → reordered (this line)
 *                            … and is nowhere in the rest of the file → deleted (this line)
 * The scan ahead happens only after a break, so an intact log is read once.
 *
 * Limits (why an anchor matters): removing records from the END of the file, or rewriting every
 * record from some point on with recomputed hashes, leaves a valid chain. Compare `lastHash` with
 * a copy kept elsewhere (a ticket, a SIEM, another host) to detect those.
 */
import { AgmedicError } from '../errors.js';
import { forEachLine } from './read-lines.js';
import { hashOfLineBytes, readHeaderBytes } from './encode-record.js';
import { GENESIS, type VerifyResult } from './types.js';

/**
 * @example
 * const r = await verifyAuditLog(defaultAuditLogPath());
 * if (!r.ok) console.error(`line ${r.line}: ${r.reason} — ${r.detail}`);
 * else console.log(`${r.records} records, head ${r.lastHash}`);
 */
export async function verifyAuditLog(path: string): Promise<VerifyResult> {
  let lastSeq = 0;
  let lastHash = GENESIS;
  let beforeLastHash = ''; // the hash line P chained from; '' before there is a P
  let count = 0;
  let broken: Exclude<VerifyResult, { ok: true }> | undefined;
  let gap: { line: number; wantSeq: number; wantPrev: string; gotSeq: number } | undefined;

  await forEachLine(path, (buf, start, end, n, complete) => {
    const header = readHeaderBytes(buf, start, end);
    if (gap) {
      // Looking for the record that should have come at gap.line.
      if (header && header.seq === gap.wantSeq && header.prev === gap.wantPrev) {
        broken = {
          ok: false,
          line: gap.line,
          reason: 'reordered',
          detail: `line ${gap.line} has seq ${gap.gotSeq} but seq ${gap.wantSeq} comes later, at line ${n}`,
        };
        return false;
      }
      return true;
    }
    if (!complete) {
      broken = { ok: false, line: n, reason: 'parse', detail: `line ${n} is incomplete (no newline): a write was interrupted or the file truncated` };
      return false;
    }
    if (!header) {
      broken = { ok: false, line: n, reason: 'parse', detail: `line ${n} is not an audit record` };
      return false;
    }
    if (hashOfLineBytes(buf, start, end) !== header.hash) {
      broken = { ok: false, line: n, reason: 'edited', detail: `line ${n} (seq ${header.seq}) does not match its hash: its content was changed` };
      return false;
    }
    if (header.prev === lastHash) {
      if (header.seq !== lastSeq + 1) {
        broken = { ok: false, line: n, reason: 'seq', detail: `line ${n} has seq ${header.seq}, expected ${lastSeq + 1}` };
        return false;
      }
      beforeLastHash = lastHash;
      lastHash = header.hash;
      lastSeq = header.seq;
      count++;
      return true;
    }
    if (header.seq === lastSeq + 1) {
      broken =
        n === 1
          ? { ok: false, line: 1, reason: 'edited', detail: 'line 1 does not start a chain: its prev is not the genesis value' }
          : {
              ok: false,
              line: n - 1,
              reason: 'edited',
              detail: `line ${n - 1} is not the record line ${n} chains from: it was changed and its hash recomputed`,
            };
      return false;
    }
    if (header.seq <= lastSeq) {
      broken =
        header.seq === lastSeq && header.prev === beforeLastHash
          ? { ok: false, line: n - 1, reason: 'inserted', detail: `line ${n} continues the chain from line ${n - 2}: line ${n - 1} does not belong` }
          : { ok: false, line: n, reason: 'inserted', detail: `line ${n} repeats seq ${header.seq}, already at line ${header.seq}` };
      return false;
    }
    gap = { line: n, wantSeq: lastSeq + 1, wantPrev: lastHash, gotSeq: header.seq };
    return true;
  });

  if (broken) return broken;
  if (gap) {
    const missing = gap.gotSeq - 1 === gap.wantSeq ? `seq ${gap.wantSeq} is` : `seq ${gap.wantSeq}–${gap.gotSeq - 1} are`;
    return { ok: false, line: gap.line, reason: 'deleted', detail: `${missing} missing before line ${gap.line}` };
  }
  return { ok: true, records: count, lastSeq, lastHash };
}

/** Fewer hex digits than this would let a forger find a matching record by brute force. */
export const MIN_HEAD_PREFIX = 16;

/**
 * Where a head hash kept elsewhere sits in the chain: the index of the one record whose hash starts
 * with `head` (any prefix of at least 16 hex digits — messages print 16), or -1 when none does.
 * Throws `USAGE` for a malformed head, or one that more than one record matches.
 *
 * @example
 * findHeadRecord(records, '3f22bf12b061ddee') // 41
 */
export function findHeadRecord(records: ReadonlyArray<{ hash: string }>, head: string): number {
  const want = head.trim().toLowerCase().replace(/…$/, '');
  if (!/^[0-9a-f]+$/.test(want) || want.length < MIN_HEAD_PREFIX || want.length > 64) {
    throw new AgmedicError('USAGE', `--head must be ${MIN_HEAD_PREFIX} to 64 hex digits of a record's hash (as audit verify prints it), not "${head.slice(0, 80)}"`);
  }
  let found = -1;
  for (let i = 0; i < records.length; i++) {
    if (!records[i]!.hash.startsWith(want)) continue;
    if (found >= 0 && records[found]!.hash !== records[i]!.hash) {
      throw new AgmedicError('USAGE', `--head ${want} matches more than one record; give more digits`);
    }
    found = i;
  }
  return found;
}
