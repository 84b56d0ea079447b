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

/** One line of the facts log: the `seq`-th fact recorded, a step's query results by role. */
interface FactLine {
  seq: number;
  step: string;
  value: unknown;
}

/** A persisted snapshot without its facts, and how many lines of the facts log belong to it. */
interface RunSnapshotEnvelope {
  runSnapshot: 2;
  factSeq: number;
  snapshot: unknown;
}

/**
 * Facts-log lines for the facts of `steps` (those recorded since the log was last written),
 * numbered from `seq + 1`.
 *
 * @example
 * const { text, seq } = encodeFactLines(facts, new Set(['roles']), 7); // text: '{"seq":8,"step":"roles",…}\n'
 */
export function encodeFactLines(facts: Readonly<Record<string, unknown>>, steps: Iterable<string>, seq: number): { text: string; seq: number } {
  let text = '';
  for (const step of steps) text += `${encodeSnapshot({ seq: ++seq, step, value: facts[step] } satisfies FactLine)}\n`;
  return { text, seq };
}

/** The snapshot file's text: the persisted snapshot (facts left out) and the facts-log position. */
export function encodeRunSnapshot(persisted: unknown, factSeq: number): string {
  return encodeSnapshot({ runSnapshot: 2, factSeq, snapshot: persisted } satisfies RunSnapshotEnvelope);
}

/**
 * The snapshot with its facts rebuilt from the facts log: lines 1‥factSeq, the last line written
 * for each number winning (a run killed after appending facts but before saving its snapshot
 * leaves lines the resumed run numbers again). A snapshot written before the facts log existed
 * carries its facts itself. Throws when a line the snapshot counts on is missing.
 */
export function decodeRunSnapshot(text: string, factsLog: string | undefined): { snapshot: unknown; factSeq: number } {
  const decoded = decodeSnapshot(text) as Partial<RunSnapshotEnvelope> | null;
  if (!decoded || decoded.runSnapshot !== 2) return { snapshot: decoded, factSeq: 0 };
  const factSeq = decoded.factSeq ?? 0;
  const bySeq = new Map<number, FactLine>();
  for (const line of (factsLog ?? '').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const f = decodeSnapshot(line) as FactLine;
      if (f.seq <= factSeq) bySeq.set(f.seq, f);
    } catch {
      // A torn last line: never counted by a snapshot.
    }
  }
  const facts: Record<string, unknown> = {};
  for (let seq = 1; seq <= factSeq; seq++) {
    const f = bySeq.get(seq);
    if (!f) throw new Error(`the facts log lacks fact #${seq} of ${factSeq}`);
    facts[f.step] = f.value;
  }
  const snap = decoded.snapshot as { context?: Record<string, unknown> };
  return { snapshot: { ...snap, context: { ...snap.context, facts } }, factSeq };
}
