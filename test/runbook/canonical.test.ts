import { describe, expect, it } from 'vitest';
import { isAgmedicError } from '../../src/errors.js';
import { canonicalJson, runbookSha256 } from '../../src/runbook/canonical.js';
import { BASE, load, mutate } from './fixtures.js';

const hashOf = (text: string) => {
  const l = load(text);
  expect(l.diagnostics).toEqual([]);
  return runbookSha256(l.runbook!);
};

describe('canonicalJson', () => {
  it('sorts keys at every depth, keeps array order, drops undefined, has no whitespace', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 'x', c: null }, 2], u: undefined })).toBe('{"a":[{"c":null,"d":"x"},2],"b":1}');
  });

  it('escapes strings as JSON does', () => {
    expect(canonicalJson({ 'k"': 'a\n"b"\u0000' })).toBe('{"k\\"":"a\\n\\"b\\"\\u0000"}');
  });

  it('refuses values JSON cannot carry', () => {
    for (const bad of [NaN, Infinity, new Date(0), () => 1, 1n]) {
      try {
        canonicalJson({ bad });
        expect.unreachable();
      } catch (err) {
        expect(isAgmedicError(err) && err.code).toBe('INTERNAL');
      }
    }
  });
});

describe('runbookSha256', () => {
  const base = hashOf(BASE);

  it('is a hex sha256', () => {
    expect(base).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not change with comments, key order, quoting, flow vs block style or spelled-out defaults', () => {
    let text = `# a comment at the top\n${BASE}`;
    text = mutate('kind: Runbook\n', 'kind: "Runbook"   # quoted\n', text);
    text = mutate('  link: { type: identifier, description: distributed availability group name }', '  link:\n    description: "distributed availability group name"\n    type: identifier', text);
    text = mutate('targets: [sqlserver, mi]', 'targets:\n  - sqlserver\n  - mi', text);
    text = mutate('  title: Recover a Managed Instance link from split brain\n', '  title: Recover a Managed Instance link from split brain\n  references: []\n', text);
    expect(text).not.toBe(BASE);
    expect(hashOf(text)).toBe(base);
  });

  it.each([
    ['a title', '    title: Done\n', '    title: Done!\n'],
    ['the SQL', 'SET (ROLE = SECONDARY)', 'SET (ROLE = PRIMARY)'],
    ['impact', 'impact: destructive', 'impact: change'],
    ['target order', 'targets: [sqlserver, mi]', 'targets: [mi, sqlserver]'],
    ['a default', '{ type: identifier, description', '{ type: identifier, default: AG1, description'],
  ])('changes when %s changes', (_what, from, to) => {
    expect(hashOf(mutate(from, to))).not.toBe(base);
  });
});
