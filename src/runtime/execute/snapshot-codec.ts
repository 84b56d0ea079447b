/**
 * Snapshots and facts go to disk as JSON. Query results hold Dates (timestamps CEL compares) and
 * bytes (certificate thumbprints); plain JSON would turn them into strings and change what CEL sees
 * after a resume, so both are tagged on the way out and rebuilt on the way in.
 */

const DATE = '$date';
const BYTES = '$bytes';
const BIGINT = '$bigint';

/**
 * JSON text of `value`, Dates, bytes and bigints tagged.
 *
 * @example
 * decodeSnapshot(encodeSnapshot({ at: new Date(0) })) // { at: Date(0) }
 */
export function encodeSnapshot(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
    const raw = this[key];
    if (raw instanceof Date) return { [DATE]: Number.isNaN(raw.getTime()) ? null : raw.toISOString() };
    if (raw instanceof Uint8Array) return { [BYTES]: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') };
    if (typeof raw === 'bigint') return { [BIGINT]: raw.toString() };
    return v;
  });
}

/** Parses what {@link encodeSnapshot} wrote. */
export function decodeSnapshot(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1) {
        const rec = v as Record<string, unknown>;
        if (keys[0] === DATE) return rec[DATE] === null ? new Date(NaN) : new Date(String(rec[DATE]));
        if (keys[0] === BYTES) return new Uint8Array(Buffer.from(String(rec[BYTES]), 'base64'));
        if (keys[0] === BIGINT) return BigInt(String(rec[BIGINT]));
      }
    }
    return v;
  });
}
