import { describe, expect, test } from 'vitest';
import { compileRunbook } from '../../src/compile/compile-runbook.js';
import { dominance, splitGraph } from '../../src/compile/dominators.js';
import { proveSafety } from '../../src/compile/safety-proof.js';
import type { GraphEdge, StepGraph } from '../../src/compile/types.js';
import { splitBrain, withSteps } from './fixtures.js';

const bypass = (graph: StepGraph, edge: Omit<GraphEdge, 'bounded' | 'kind'>): StepGraph => ({
  ...graph,
  edges: [...graph.edges, { ...edge, kind: 'next', bounded: false }],
});

describe('safety proof', () => {
  test('a compiled runbook is proven safe', () => {
    const r = proveSafety(compileRunbook(splitBrain).graph);
    expect(r).toEqual({ ok: true, steps: [{ step: 'demote', confirmNode: 'demote:confirm', executeNode: 'demote:execute', safe: true }] });
  });

  test('a planted edge from a check straight to the destructive execute is caught, with a witness', () => {
    const g = bypass(compileRunbook(splitBrain).graph, { from: 'roles:run', to: 'demote:execute', event: 'BUG' });
    const r = proveSafety(g);
    expect(r.ok).toBe(false);
    expect(r.steps[0]).toMatchObject({ step: 'demote', safe: false, witness: ['roles:gate', 'roles:run', 'demote:execute'] });
  });

  test('a planted edge from another step\'s retry state into recheck (past confirm) is caught', () => {
    const g = bypass(compileRunbook(splitBrain).graph, { from: 'roles:retry', to: 'demote:recheck', event: 'BUG' });
    const r = proveSafety(g);
    expect(r.steps[0]!.safe).toBe(false);
    expect(r.steps[0]!.witness).toEqual(['roles:gate', 'roles:run', 'roles:retry', 'demote:recheck', 'demote:requires', 'demote:execute']);
  });

  test('SKIP wired to execute is caught even though confirm still dominates execute', () => {
    const g = bypass(compileRunbook(splitBrain).graph, { from: 'demote:confirm', to: 'demote:execute', event: 'SKIP' });
    const r = proveSafety(g);
    expect(r.steps[0]!.safe).toBe(false);
    expect(r.steps[0]!.witness!.slice(-2)).toEqual(['demote:confirm', 'demote:execute']);
  });

  test('a bypass edge into the confirm node itself is safe', () => {
    const g = bypass(compileRunbook(splitBrain).graph, { from: 'roles:run', to: 'demote:confirm', event: 'BUG' });
    expect(proveSafety(g).ok).toBe(true);
  });

  test('the compile result reports UNSAFE_DESTRUCTIVE_ENTRY only through the proof; loops back before confirm stay safe', () => {
    const rb = withSteps(`
  - id: a
    title: a
    check: { on: sqlserver, sql: SELECT 1 AS x, expect: "rows.size() == 1" }
    onFail: b
  - id: b
    title: b
    impact: destructive
    action: { on: sqlserver, sql: "DROP AVAILABILITY GROUP {{ident link}}" }
    confirm: { typeToConfirm: link }
    verify: { on: sqlserver, sql: SELECT 1 AS x, expect: "rows.size() == 0" }
    retry: { max: 2 }
    onFail: a
`);
    const c = compileRunbook(rb);
    expect(c.safety.ok).toBe(true);
    expect(c.diagnostics.map((d) => d.code)).toEqual([]);
  });
});

/** Textbook iterative dominator sets, quadratic; the oracle for Lengauer–Tarjan. */
function naiveDominators(n: number, edges: Array<[number, number]>, root: number): Array<Set<number> | undefined> {
  const succ: number[][] = Array.from({ length: n }, () => []);
  const pred: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of edges) { succ[a]!.push(b); pred[b]!.push(a); }
  const seen = new Set([root]);
  const queue = [root];
  for (let i = 0; i < queue.length; i++) for (const w of succ[queue[i]!]!) if (!seen.has(w)) { seen.add(w); queue.push(w); }
  const dom: Array<Set<number> | undefined> = Array.from({ length: n }, (_, v) => (seen.has(v) ? new Set(seen) : undefined));
  dom[root] = new Set([root]);
  for (let changed = true; changed; ) {
    changed = false;
    for (const v of queue) {
      if (v === root) continue;
      let inter: Set<number> | undefined;
      for (const p of pred[v]!) {
        if (!dom[p]) continue;
        inter = inter ? new Set([...inter].filter((x) => dom[p]!.has(x))) : new Set(dom[p]);
      }
      const next = new Set(inter ?? []);
      next.add(v);
      if (next.size !== dom[v]!.size) { dom[v] = next; changed = true; }
    }
  }
  return dom;
}

function graphOf(n: number, edges: Array<[number, number]>): StepGraph {
  return {
    entry: 'n0',
    nodes: Array.from({ length: n }, (_, i) => ({ id: `n${i}`, phase: 'run' as const })),
    edges: edges.map(([a, b], k) => ({ from: `n${a}`, to: `n${b}`, event: `e${k}`, kind: 'next' as const, bounded: false })),
  };
}

describe('Lengauer–Tarjan dominators', () => {
  const cases: Record<string, [number, Array<[number, number]>]> = {
    diamond: [4, [[0, 1], [0, 2], [1, 3], [2, 3]]],
    'loop with back edge': [4, [[0, 1], [1, 2], [2, 1], [2, 3]]],
    'retry self-loop': [3, [[0, 1], [1, 1], [1, 2]]],
    'onFail back edge skipping a node': [5, [[0, 1], [1, 2], [2, 3], [3, 4], [3, 1], [1, 3]]],
    'irreducible loop': [4, [[0, 1], [0, 2], [1, 2], [2, 1], [2, 3]]],
    unreachable: [4, [[0, 1], [2, 3], [3, 1]]],
  };
  for (const [name, [n, edges]] of Object.entries(cases)) {
    test(name, () => {
      const g = graphOf(n, edges);
      const d = dominance(splitGraph(g));
      const oracle = naiveDominators(n, edges, 0);
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) {
        expect(d.dominates(a, b), `n${a} dom n${b}`).toBe(oracle[b]?.has(a) ?? false);
      }
    });
  }

  test('matches the oracle on 200 random graphs', () => {
    let seed = 7;
    const rand = (k: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % k; };
    for (let round = 0; round < 200; round++) {
      const n = 2 + rand(14);
      const edges: Array<[number, number]> = [];
      for (let k = rand(3 * n); k > 0; k--) edges.push([rand(n), rand(n)]);
      const d = dominance(splitGraph(graphOf(n, edges)));
      const oracle = naiveDominators(n, edges, 0);
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) expect(d.dominates(a, b)).toBe(oracle[b]?.has(a) ?? false);
    }
  });
});
