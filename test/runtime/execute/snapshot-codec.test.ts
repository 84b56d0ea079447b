/**
 * The run snapshot without its facts, plus the facts log: facts are journalled once each and
 * rebuilt on resume, including after a kill between appending facts and saving the snapshot.
 */
import { describe, expect, test } from 'vitest';
import { decodeRunSnapshot, encodeFactLines, encodeRunSnapshot, encodeSnapshot } from '../../../src/runtime/execute/snapshot-codec.js';

const snap = (facts: Record<string, unknown> = {}) => ({ value: { b: 'check' }, context: { runs: {}, entries: { a: 1, b: 1 }, facts } });

describe('facts log', () => {
  test('the facts recorded since the last write are written, numbered on; dates, bytes and bigints survive', () => {
    const roles = { sqlserver: [{ role: 'PRIMARY', at: new Date(0), lsn: 10n, thumb: new Uint8Array([1, 2]) }] };
    const first = encodeFactLines({ roles }, ['roles'], 0);
    expect(first.seq).toBe(1);
    const again = encodeFactLines({ roles, other: { mi: [] } }, new Set(['other']), first.seq);
    expect(again).toMatchObject({ seq: 2 });
    expect(again.text.trim().split('\n')).toHaveLength(1);
    expect(encodeFactLines({ roles }, [], 2)).toEqual({ text: '', seq: 2 });

    const { snapshot, factSeq } = decodeRunSnapshot(encodeRunSnapshot(snap(), 2), first.text + again.text);
    expect(factSeq).toBe(2);
    expect((snapshot as ReturnType<typeof snap>).context.facts).toEqual({ roles, other: { mi: [] } });
  });

  test('lines past the snapshot are ignored, and a line numbered again wins', () => {
    const a = encodeFactLines({ a: 1 }, ['a'], 0);
    const orphan = encodeFactLines({ b: 'orphan', c: 'orphan' }, ['b', 'c'], a.seq); // killed before the snapshot
    const resumed = encodeFactLines({ b: 'resumed' }, ['b'], a.seq);
    const log = `${a.text}${orphan.text}${resumed.text}{"seq":9,"st`; // and a torn last line
    const { snapshot } = decodeRunSnapshot(encodeRunSnapshot(snap(), resumed.seq), log);
    expect((snapshot as ReturnType<typeof snap>).context.facts).toEqual({ a: 1, b: 'resumed' });
  });

  test('a missing line is an error; a snapshot from before the facts log carries its facts', () => {
    expect(() => decodeRunSnapshot(encodeRunSnapshot(snap(), 3), encodeFactLines({ a: 1 }, ['a'], 0).text)).toThrow(/lacks fact #2 of 3/);
    expect(decodeRunSnapshot(encodeSnapshot(snap({ a: 1 })), undefined)).toEqual({ snapshot: snap({ a: 1 }), factSeq: 0 });
  });
});
