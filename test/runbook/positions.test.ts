import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { NodePath } from '../../src/runbook/types.js';
import { BASE, load, pos } from './fixtures.js';
import { lineColOf } from '../../src/errors.js';

/** Every path to a scalar leaf of a plain value. */
function leaves(value: unknown, path: NodePath = []): Array<[NodePath, unknown]> {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
    return entries.flatMap(([k, v]) => leaves(v, [...path, k]));
  }
  return [[path, value]];
}

const at = (text: string, offset: number) => {
  const { line, col } = lineColOf(text, offset);
  return `${line}:${col}`;
};

describe('PositionIndex', () => {
  const loaded = load(BASE);
  const runbook = loaded.runbook!;
  const p = loaded.positions;

  it('locates every scalar of the validated model at source text that parses back to it', () => {
    const all = leaves(runbook);
    expect(all.length).toBeGreaterThan(30);
    for (const [path, value] of all) {
      if (!p.has(path)) continue; // a default the schema filled in
      const r = p.rangeOf(path);
      expect(parse(BASE.slice(r.start, r.end)), path.join('.')).toEqual(value);
    }
  });

  it('falls back to the nearest existing ancestor for defaults and missing paths', () => {
    expect(p.has(['metadata', 'references'])).toBe(false);
    expect(p.rangeOf(['metadata', 'references'])).toEqual(p.rangeOf(['metadata']));
    expect(p.rangeOf(['steps', 0, 'nope', 3])).toEqual(p.rangeOf(['steps', 0]));
    expect(p.rangeOf(['steps', 99])).toEqual(p.rangeOf(['steps']));
  });

  it('gives key ranges for map entries and item ranges for sequence items', () => {
    const key = p.keyRangeOf(['steps', 2, 'impact']);
    expect(BASE.slice(key.start, key.end)).toBe('impact');
    expect(at(BASE, key.start)).toBe(pos(BASE, 'impact'));
    const item = p.keyRangeOf(['targets', 1]);
    expect(BASE.slice(item.start, item.end)).toBe('mi');
  });

  it('maps offsets inside literal block and plain scalars to line:col', () => {
    const sql = runbook.steps[0]!.check!.sql!;
    const r = p.rangeInScalar(['steps', 0, 'check', 'sql'], sql.indexOf('@link'), 5);
    expect(BASE.slice(r.start, r.end)).toBe('@link');
    expect(at(BASE, r.start)).toBe(pos(BASE, '@link'));
    const action = runbook.steps[2]!.action!.sql!;
    const r2 = p.rangeInScalar(['steps', 2, 'action', 'sql'], action.indexOf('{{'), 14);
    expect(BASE.slice(r2.start, r2.end)).toBe('{{ident link}}');
  });

  it('maps a multi-line span inside a literal block', () => {
    const sql = runbook.steps[0]!.check!.sql!;
    const start = sql.indexOf('AS role');
    const r = p.rangeInScalar(['steps', 0, 'check', 'sql'], start, sql.indexOf('ag\n') + 2 - start);
    expect(BASE.slice(r.start, r.end)).toBe('AS role\n        FROM sys.availability_groups ag');
  });

  it('descends through aliases', () => {
    const text = BASE.replace('targets: [sqlserver, mi]', 'targets: &t [sqlserver, mi]').replace('      on: [sqlserver, mi]', '      on: *t');
    const l = load(text);
    expect(l.diagnostics).toEqual([]);
    const r = l.positions.rangeOf(['steps', 0, 'check', 'on', 1]);
    expect(text.slice(r.start, r.end)).toBe('mi');
  });

  it('points a key without a value at its key', () => {
    const l = load(BASE.replace('    title: Done\n', '    title:\n'));
    const r = l.positions.rangeOf(['steps', 3, 'title']);
    expect(l.source.text.slice(r.start, r.end)).toBe('title');
    expect(l.diagnostics.map((d) => d.code)).toEqual(['BAD_TYPE']);
  });
});
