import { describe, expect, it } from 'vitest';
import { formatDiagnostic, lineColOf } from '../src/errors.js';

describe('formatDiagnostic', () => {
  it('points at the offending span with file:line:col, code, source line and caret', () => {
    const text = 'a: 1\nsteps:\n  - next: promote\n';
    const start = text.indexOf('promote');
    const out = formatDiagnostic({
      code: 'UNKNOWN_STEP',
      message: 'no step "promote"',
      severity: 'error',
      source: { name: 'x.yaml', text },
      range: { start, end: start + 'promote'.length },
    });
    expect(out.split('\n')).toEqual([
      'x.yaml:3:11  UNKNOWN_STEP  no step "promote"',
      ' 3 |   - next: promote',
      '   |           ^^^^^^^',
    ]);
  });

  it('computes 1-based line and column', () => {
    expect(lineColOf('ab\ncd', 4)).toMatchObject({ line: 2, col: 2 });
    expect(lineColOf('ab\r\ncd', 0)).toMatchObject({ line: 1, col: 1, lineEnd: 2 });
  });
});
