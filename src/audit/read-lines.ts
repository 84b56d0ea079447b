/**
 * Streams a file line by line over large byte chunks. The callback gets the chunk buffer and the
 * line's byte range rather than a string, so a verifier can hash bytes without decoding them, and
 * a callback per line (not an async iterator) keeps the per-line cost to a function call.
 */
import { open } from 'node:fs/promises';
import { AgmedicError } from '../errors.js';

const CHUNK = 4 * 1024 * 1024;

/**
 * Called for every line, 1-based; `buf[start, end)` is the line without its newline and is only
 * valid during the call. `complete` is false only for a last line with no newline after it —
 * what an interrupted write leaves behind. Return `false` to stop reading.
 */
export type LineVisitor = (buf: Buffer, start: number, end: number, lineNo: number, complete: boolean) => boolean | void;

/**
 * @example
 * await forEachLine('audit.jsonl', (buf, s, e, n) => { console.log(n, buf.toString('utf8', s, e)); });
 */
export async function forEachLine(path: string, visit: LineVisitor): Promise<void> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw new AgmedicError('FILE_READ', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    let buf = Buffer.allocUnsafe(CHUNK);
    let filled = 0; // bytes in buf; [0, filled) starts at a line boundary
    let lineNo = 0;
    for (;;) {
      if (filled === buf.length) {
        // One line longer than the buffer: grow rather than split it.
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      }
      const { bytesRead } = await fh.read(buf, filled, buf.length - filled, null);
      if (bytesRead === 0) break;
      const end = filled + bytesRead;
      const view = buf.subarray(0, end); // stale bytes past `end` must not look like lines
      let start = 0;
      for (;;) {
        const nl = view.indexOf(10, start);
        if (nl < 0) break;
        lineNo++;
        if (visit(view, start, nl, lineNo, true) === false) return;
        start = nl + 1;
      }
      // Keep the partial last line at the front for the next read.
      filled = end - start;
      if (filled > 0 && start > 0) buf.copy(buf, 0, start, end);
    }
    if (filled > 0) visit(buf, 0, filled, lineNo + 1, false);
  } catch (err) {
    if (err instanceof AgmedicError) throw err;
    throw new AgmedicError('FILE_READ', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  } finally {
    await fh.close();
  }
}
