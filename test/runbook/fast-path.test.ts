import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { listRunbooks } from '../../src/runbook/list-runbooks.js';
import { shippedRunbooksDir } from '../../src/runbook/read-runbook.js';
import { loadPrecisely, loadRunbook, parseFast } from '../../src/runbook/load-runbook.js';

// The fast parser (js-yaml) must read every runbook exactly as the precise one (yaml) does, or a
// runbook could mean one thing in `validate` and another in `run`.
describe('fast and precise loading agree', () => {
  const files = listRunbooks(shippedRunbooksDir()).map((r) => r.file);
  it.each(files)('%s', (path) => {
    const source = { name: path, text: readFileSync(path, 'utf8') };
    const fast = loadRunbook(source);
    const precise = loadPrecisely(source);
    expect(fast.runbook).toBeDefined();
    // `&&` in CEL must not be mistaken for a YAML anchor (that would silently take the slow path).
    expect(parseFast(source.text)).toBeDefined();
    expect(fast.runbook).toEqual(precise.runbook);
    expect(fast.diagnostics.map((d) => [d.code, d.range])).toEqual(precise.diagnostics.map((d) => [d.code, d.range]));
  });

  it.each([
    ['a YAML 1.1 boolean stays a string', 'yes', 'yes'],
    ['a timestamp stays a string', '2026-01-01', '2026-01-01'],
    ['a quoted number stays text', '"0o17"', '0o17'],
  ])('%s', (_, scalar, expected) => {
    const text = `apiVersion: agmedic/v1\nkind: Runbook\nmetadata: {name: t, title: t, description: ${scalar}}\ntargets: [sqlserver]\nsteps:\n  - id: a\n    title: done\n    end: {outcome: fixed, message: m}\n`;
    const fast = loadRunbook({ name: 't.yaml', text });
    const precise = loadPrecisely({ name: 't.yaml', text });
    expect(fast.runbook).toEqual(precise.runbook);
    expect(fast.diagnostics.map((d) => d.code)).toEqual(precise.diagnostics.map((d) => d.code));
    expect(precise.runbook?.metadata.description).toBe(expected);
  });

  it('falls back to the precise path for a duplicate key, keeping its range', () => {
    const text = 'apiVersion: agmedic/v1\nkind: Runbook\nkind: Runbook\n';
    const loaded = loadRunbook({ name: 'd.yaml', text });
    expect(loaded.diagnostics.find((d) => d.code === 'DUPLICATE_KEY')).toMatchObject({ range: { start: 37 } });
  });

  it('falls back to the precise path for anchors (alias bombs are refused there)', () => {
    const text = 'a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\n';
    const loaded = loadRunbook({ name: 'bomb.yaml', text });
    expect(loaded.runbook).toBeUndefined();
    expect(loaded.diagnostics.length).toBeGreaterThan(0);
  });
});
