/**
 * Reads only the end of a file to find its last line: opening a log of millions of records to
 * append one more must not cost a full read.
 */
import type { FileHandle } from 'node:fs/promises';

const CHUNK = 64 * 1024;

/**
 * The last line of the first `size` bytes of an open file, without its newline, and whether a
 * newline ended it. `undefined` for an empty file.
 *
 * @example
 * const last = await readLastLine(fh, (await fh.stat()).size);
 */
export async function readLastLine(fh: FileHandle, size: number): Promise<{ line: string; complete: boolean } | undefined> {
  if (size === 0) return undefined;
  const tail = Buffer.alloc(1);
  await fh.read(tail, 0, 1, size - 1);
  const complete = tail[0] === 10;
  const end = complete ? size - 1 : size; // the line ends before its newline
  const parts: Buffer[] = [];
  let pos = end;
  while (pos > 0) {
    const len = Math.min(CHUNK, pos);
    const buf = Buffer.alloc(len);
    await fh.read(buf, 0, len, pos - len);
    pos -= len;
    const nl = buf.lastIndexOf(10);
    if (nl >= 0) {
      parts.unshift(buf.subarray(nl + 1));
      break;
    }
    parts.unshift(buf);
  }
  return { line: Buffer.concat(parts).toString('utf8'), complete };
}
