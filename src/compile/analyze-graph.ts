/**
 * Whole-graph analyses on the StepGraph: steps no path reaches, cycles nothing bounds, and
 * runbooks that cannot reach an end. All linear in the graph.
 */
import type { ErrorCode } from '../errors.js';
import type { Runbook } from '../runbook/schema.js';
import type { NodePath } from '../runbook/types.js';
import type { Dominance } from './dominators.js';
import type { GraphEdge, StepGraph } from './types.js';

export type Report = (code: ErrorCode, message: string, path: NodePath) => void;

/** UNREACHABLE_STEP for every step whose entry no path from the start reaches. */
export function findUnreachable(runbook: Runbook, graph: StepGraph, dom: Dominance, report: Report): void {
  const reachedSteps = new Set<string>();
  for (const n of graph.nodes) {
    if (n.step !== undefined && dom.reachable(dom.split.indexOf.get(n.id)!)) reachedSteps.add(n.step);
  }
  runbook.steps.forEach((s, i) => {
    if (!reachedSteps.has(s.id)) {
      report('UNREACHABLE_STEP', `no path from the first step reaches step "${s.id}": nothing jumps to it and the step before it never falls through`, ['steps', i, 'id']);
    }
  });
}

/**
 * NO_END when no path reaches an end step or runs off the last step (`@fixed`); only failing
 * or aborting would finish the run.
 */
export function findNoEnd(graph: StepGraph, dom: Dominance, report: Report): void {
  const ok = graph.nodes.some((n) => n.final && n.outcome !== 'failed' && n.outcome !== 'aborted' && dom.reachable(dom.split.indexOf.get(n.id)!));
  const endStep = graph.nodes.some((n) => n.final && n.step !== undefined && dom.reachable(dom.split.indexOf.get(n.id)!));
  if (!ok && !endStep) report('NO_END', 'no path through this runbook reaches an end step or runs past its last step; every run would fail', ['steps']);
}

/**
 * UNBOUNDED_CYCLE for each strongly connected component left once bounded edges (counted
 * retries, polling inside a wait's timeout) are removed: such a loop could run forever.
 * Reported at a back edge of the loop (a `next`/`onFail`/choice jumping backwards).
 */
export function findUnboundedCycles(graph: StepGraph, report: Report): void {
  const index = new Map<string, number>();
  graph.nodes.forEach((n, i) => index.set(n.id, i));
  const n = graph.nodes.length;
  const out: GraphEdge[][] = Array.from({ length: n }, () => []);
  for (const e of graph.edges) if (!e.bounded) out[index.get(e.from)!]!.push(e);

  // iterative Tarjan
  const order = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const comp = new Int32Array(n).fill(-1);
  const stack: number[] = [];
  const call: Array<[number, number]> = [];
  let counter = 0;
  let comps = 0;
  for (let s = 0; s < n; s++) {
    if (order[s] !== -1) continue;
    call.push([s, 0]);
    order[s] = low[s] = counter++;
    stack.push(s);
    onStack[s] = 1;
    while (call.length) {
      const frame = call[call.length - 1]!;
      const [v, k] = frame;
      const edges = out[v]!;
      if (k < edges.length) {
        frame[1]++;
        const w = index.get(edges[k]!.to)!;
        if (order[w] === -1) {
          order[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          call.push([w, 0]);
        } else if (onStack[w]) low[v] = Math.min(low[v]!, order[w]!);
        continue;
      }
      call.pop();
      const parent = call[call.length - 1];
      if (parent) low[parent[0]] = Math.min(low[parent[0]]!, low[v]!);
      if (low[v] === order[v]) {
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          comp[w] = comps;
        } while (w !== v);
        comps++;
      }
    }
  }

  const inside: GraphEdge[][] = Array.from({ length: comps }, () => []);
  const size = new Int32Array(comps);
  for (let v = 0; v < n; v++) size[comp[v]!]!++;
  for (const list of out) {
    for (const e of list) {
      const c = comp[index.get(e.from)!]!;
      if (c === comp[index.get(e.to)!]) inside[c]!.push(e);
    }
  }
  for (let c = 0; c < comps; c++) {
    const edges = inside[c]!;
    if (edges.length === 0) continue;
    const stepIndex = (id: string) => graph.nodes[index.get(id)!]!.stepIndex ?? -1;
    const back = edges.find((e) => e.path && e.kind !== 'phase' && stepIndex(e.to) <= stepIndex(e.from)) ?? edges.find((e) => e.path) ?? edges[0]!;
    const steps = [...new Set(edges.map((e) => graph.nodes[index.get(e.from)!]!.step).filter((s): s is string => s !== undefined))];
    report(
      'UNBOUNDED_CYCLE',
      `steps ${steps.map((s) => `"${s}"`).join(', ')} form a loop that nothing bounds; give a step in it a "retry" (its max bounds how often the loop may come back) or break the loop`,
      back.path ?? ['steps', stepIndex(back.from)],
    );
  }
}
