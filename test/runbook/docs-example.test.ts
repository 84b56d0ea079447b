/** The example in docs/runbook-format.md must stay a valid runbook, so the reference cannot rot. */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { findPackageRoot } from '../../src/runbook/read-runbook.js';
import { load } from './fixtures.js';

it('the complete example in docs/runbook-format.md loads without diagnostics', () => {
  const md = readFileSync(`${findPackageRoot(import.meta.url)}/docs/runbook-format.md`, 'utf8');
  const example = md.split('## A complete example')[1]?.split('```yaml\n')[1]?.split('```')[0];
  expect(example).toBeDefined();
  const loaded = load(example!);
  expect(loaded.diagnostics).toEqual([]);
  expect(loaded.runbook?.steps.map((s) => s.id)).toEqual(['roles', 'not-split', 'demote', 'done']);
});
