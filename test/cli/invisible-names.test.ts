import { describe, expect, it } from 'vitest';
import { hasInvisible, showInvisible } from '../../src/errors.js';
import { memoryOutput } from '../../src/cli/output.js';
import { resolveParameters } from '../../src/compile/resolve-parameters.js';
import { loadRunbook } from '../../src/runbook/load-runbook.js';
import { BASE } from '../runbook/fixtures.js';

describe('names with bidi or zero-width characters', () => {
  it('are shown escaped on every line the CLI prints, and round-trip through JSON', () => {
    const out = memoryOutput();
    out.out('ALTER AVAILABILITY GROUP [Sales\u202eLink] SET (ROLE = SECONDARY)');
    out.err(JSON.stringify({ link: 'a\u200bb' }));
    expect(out.stdout).toBe('ALTER AVAILABILITY GROUP [Sales\\u202eLink] SET (ROLE = SECONDARY)\n');
    expect(JSON.parse(out.stderr)).toEqual({ link: 'a\u200bb' });
    expect(hasInvisible(out.stdout + out.stderr)).toBe(false);
    expect(showInvisible('plain SalesLink')).toBe('plain SalesLink');
  });

  it('are refused as values a step makes the operator type to confirm', () => {
    const runbook = loadRunbook({ name: 't.yaml', text: BASE }).runbook!;
    for (const link of ['Sales\u202eLink', 'Sales\u200bLink', '\u2066SalesLink\u2069']) {
      const { diagnostics } = resolveParameters(runbook, { link, keep: 'sqlserver' });
      expect(diagnostics.map((d) => d.code)).toEqual(['BAD_PARAM_VALUE']);
    }
    expect(resolveParameters(runbook, { link: 'SalesLink', keep: 'sqlserver' }).diagnostics).toEqual([]);
  });
});
