/**
 * Every shipped runbook, every action: declining it never ends "fixed" (it ends where onSkip says or
 * "manual" naming the step), and every route into a "fixed" end passes a fresh verification after
 * its last change. Decided on the compiled graph — what xstate runs — for all routes at once.
 */
import { describe, expect, it } from 'vitest';
import { compileRunbook } from '../../src/compile/compile-runbook.js';
import { findUnearnedFixed } from '../../src/compile/earned-outcomes.js';
import { readShipped, shippedFiles } from './helpers.js';

describe.each(shippedFiles())('%s', (file) => {
  const { runbook } = readShipped(file);
  const { graph, diagnostics } = compileRunbook(runbook);

  it('has no route into "fixed" without a fresh verification (from the start, a skip or a change)', () => {
    expect(findUnearnedFixed(graph)).toEqual([]);
    expect(diagnostics.map((d) => d.code)).toEqual([]);
  });

  it('declining each action leads to an outcome that is not "fixed", or to a step that re-reads the state', () => {
    const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
    for (const s of runbook.steps.filter((x) => x.action)) {
      const decline = graph.edges.filter((e) => e.kind === 'decline' && nodes.get(e.from)?.step === s.id);
      expect(decline, s.id).toHaveLength(1);
      const to = nodes.get(decline[0]!.to)!;
      if (s.onSkip === undefined) expect(to, s.id).toMatchObject({ final: true, outcome: 'manual', step: s.id });
      else expect(to.outcome, s.id).not.toBe('fixed');
    }
  });
});
