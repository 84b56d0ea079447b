/**
 * Outcomes are earned: a declined change never ends "fixed" without a fresh read, and every route
 * into "fixed" passes a verification (check expect, verify expect, wait until) after its last change.
 */
import { describe, expect, test } from 'vitest';
import { compileRunbook } from '../../src/compile/compile-runbook.js';
import { lineColOf } from '../../src/errors.js';
import { loadRunbook } from '../../src/runbook/load-runbook.js';

const HEAD = `apiVersion: agmedic/v1
kind: Runbook
metadata: { name: earned, title: Resume data movement }
parameters: { db: { type: identifier, description: database } }
targets: [sqlserver]
steps:
  - id: suspended
    title: Is data movement suspended
    check: { on: sqlserver, sql: SELECT 1 AS s, expect: "rows.size() == 1" }
  - id: resume
    title: Resume data movement
    impact: change
    action: { on: sqlserver, sql: "ALTER DATABASE {{ident db}} SET HADR RESUME" }
    verify: { on: sqlserver, sql: SELECT 0 AS s, expect: "rows[0].s == 0" }
`;

function diagnose(text: string) {
  const source = { name: 'earned.yaml', text };
  const loaded = loadRunbook(source);
  expect(loaded.diagnostics).toEqual([]);
  return compileRunbook(loaded.runbook!, { source, locate: (p) => loaded.positions.rangeOf(p) }).diagnostics.map((d) => {
    const at = d.range ? lineColOf(text, d.range.start) : undefined;
    return { code: d.code, path: d.path?.join('.'), line: at?.line, col: at?.col };
  });
}

describe('earned outcomes', () => {
  test('a change skipped onto a "fixed" end is refused at its onSkip, with line and column', () => {
    const text = HEAD.replace('    impact: change\n', '    impact: change\n    onSkip: done\n') + `  - id: done
    title: Done
    end: { outcome: fixed, message: Data movement resumed. }
`;
    expect(diagnose(text)).toEqual([{ code: 'SKIP_REACHES_FIXED', path: 'steps.1.onSkip', line: 13, col: 13 }]);
  });

  test('by default a declined change ends manual naming the step, so the same runbook without onSkip is valid', () => {
    const text = HEAD + `  - id: done
    title: Done
    end: { outcome: fixed, message: Data movement resumed. }
`;
    expect(diagnose(text)).toEqual([]);
    const graph = compileRunbook(loadRunbook({ name: 'x', text }).runbook!).graph;
    const decline = graph.edges.find((e) => e.kind === 'decline')!;
    expect(decline.to).toBe('resume:skipped');
    expect(graph.nodes.find((n) => n.id === 'resume:skipped')).toMatchObject({ final: true, outcome: 'manual', step: 'resume' });
  });

  test('onSkip to a step that re-reads the state earns "fixed"', () => {
    const text = HEAD.replace('    impact: change\n', '    impact: change\n    onSkip: recheck\n') + `  - id: recheck
    title: Is data movement running now
    check: { on: sqlserver, sql: SELECT 0 AS s, expect: "rows[0].s == 0" }
  - id: done
    title: Done
    end: { outcome: fixed, message: Data movement runs. }
`;
    expect(diagnose(text)).toEqual([]);
  });

  test('a verify that fails onto "fixed" is refused at the verify', () => {
    const text = HEAD.replace('    impact: change\n', '    impact: change\n    onFail: done\n') + `  - id: done
    title: Done
    end: { outcome: fixed, message: Data movement resumed. }
`;
    expect(diagnose(text)).toEqual([{ code: 'UNVERIFIED_FIXED', path: 'steps.1.verify', line: 15, col: 13 }]);
  });

  test('a runbook that can end "fixed" having read nothing is refused at that end', () => {
    const text = `apiVersion: agmedic/v1
kind: Runbook
metadata: { name: nothing, title: Nothing read }
targets: [sqlserver]
steps:
  - id: look
    title: Look
    check: { on: sqlserver, sql: SELECT 1 AS s }
  - id: done
    title: Done
    end: { outcome: fixed, message: All good. }
`;
    expect(diagnose(text)).toEqual([{ code: 'UNVERIFIED_FIXED', path: 'steps.1.end.outcome', line: 11, col: 21 }]);
  });
});
