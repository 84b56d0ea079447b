/**
 * Outcomes are earned: a run may end `fixed` only after a fresh read proved it. Stated on the
 * StepGraph: every path into a `fixed` end, from the start, from a declined change (SKIP) and from
 * a change that ran (execute), takes a verifying edge — a check's `expect`, a verify's `expect` or
 * a wait's `until` holding — after its last such point. Equivalently the verifying edges cut those
 * sources off from every `fixed` end, which one backward walk decides for all of them at once
 * (linear in the graph, as the safety proof's dominance is).
 */
import type { ErrorCode } from '../errors.js';
import type { NodePath } from '../runbook/types.js';
import type { GraphEdge, StepGraph } from './types.js';

type Report = (code: ErrorCode, message: string, path: NodePath) => void;

export interface UnearnedRoute {
  code: 'SKIP_REACHES_FIXED' | 'UNVERIFIED_FIXED';
  /** The skipped step (SKIP_REACHES_FIXED), or the step after whose change nothing re-read the state. */
  step?: string;
  /** States from the source to the `fixed` end, avoiding every verifying edge. */
  witness: string[];
  path: NodePath;
}

/**
 * Finds every source (start, declined change, executed change) from which a `fixed` end can be
 * reached without a verifying edge, with one witness route each.
 *
 * @example
 * findUnearnedFixed(compileRunbook(rb).graph).map((r) => r.step); // steps whose skip ends "fixed"
 */
export function findUnearnedFixed(graph: StepGraph): UnearnedRoute[] {
  const index = new Map<string, number>();
  graph.nodes.forEach((n, i) => index.set(n.id, i));
  const n = graph.nodes.length;
  const open = graph.edges.filter((e) => !e.verifies);
  // Backward from every fixed end over edges that prove nothing: `tainted` nodes reach "fixed" unearned.
  const into: GraphEdge[][] = Array.from({ length: n }, () => []);
  for (const e of open) into[index.get(e.to)!]!.push(e);
  const tainted = new Uint8Array(n);
  const queue: number[] = [];
  graph.nodes.forEach((node, i) => {
    if (node.final && node.outcome === 'fixed') {
      tainted[i] = 1;
      queue.push(i);
    }
  });
  for (let q = 0; q < queue.length; q++) {
    for (const e of into[queue[q]!]!) {
      const from = index.get(e.from)!;
      if (!tainted[from]) {
        tainted[from] = 1;
        queue.push(from);
      }
    }
  }
  const isTainted = (id: string) => tainted[index.get(id)!] === 1;

  const out: UnearnedRoute[] = [];
  const witness = (from: string): string[] => forwardPath(graph, open, index, from);
  for (const e of graph.edges) {
    if (e.kind === 'decline' && isTainted(e.to)) {
      const node = graph.nodes[index.get(e.from)!]!;
      out.push({ code: 'SKIP_REACHES_FIXED', ...(node.step ? { step: node.step } : {}), witness: [e.from, ...witness(e.to)], path: e.path ?? ['steps', node.stepIndex ?? 0] });
    }
  }
  const executes = new Set<string>();
  for (const e of graph.edges) {
    const node = graph.nodes[index.get(e.from)!]!;
    if (node.phase !== 'execute' || !e.event.startsWith('xstate.done.') || !isTainted(e.to) || executes.has(e.from)) continue;
    executes.add(e.from);
    out.push({ code: 'UNVERIFIED_FIXED', ...(node.step ? { step: node.step } : {}), witness: [e.from, ...witness(e.to)], path: ['steps', node.stepIndex ?? 0, 'verify'] });
  }
  if (isTainted(graph.entry)) {
    const route = witness(graph.entry);
    const last = route[route.length - 1];
    const endNode = last === undefined ? undefined : graph.nodes[index.get(last)!];
    const lastEdge = route.length > 1 ? open.find((e) => e.from === route[route.length - 2] && e.to === last) : undefined;
    out.push({ code: 'UNVERIFIED_FIXED', witness: route, path: endNode?.step !== undefined ? ['steps', endNode.stepIndex ?? 0, 'end', 'outcome'] : (lastEdge?.path ?? ['steps']) });
  }
  return out;
}

/** A shortest route from `from` to a `fixed` end over `edges`; only built to explain a finding. */
function forwardPath(graph: StepGraph, edges: GraphEdge[], index: Map<string, number>, from: string): string[] {
  const out = new Map<string, string[]>();
  for (const e of edges) {
    const list = out.get(e.from);
    if (list) list.push(e.to);
    else out.set(e.from, [e.to]);
  }
  const prev = new Map<string, string | null>([[from, null]]);
  const queue = [from];
  for (let q = 0; q < queue.length; q++) {
    const v = queue[q]!;
    const node = graph.nodes[index.get(v)!]!;
    if (node.final && node.outcome === 'fixed') {
      const route: string[] = [];
      for (let at: string | null = v; at !== null; at = prev.get(at) ?? null) route.push(at);
      return route.reverse();
    }
    for (const w of out.get(v) ?? []) {
      if (prev.has(w)) continue;
      prev.set(w, v);
      queue.push(w);
    }
  }
  return [from];
}

/** Reports each unearned route at the runbook node to fix: the `onSkip`, the verify, or the end. */
export function reportUnearnedFixed(graph: StepGraph, report: Report): UnearnedRoute[] {
  const found = findUnearnedFixed(graph);
  for (const r of found) {
    const route = r.witness.join(' → ');
    if (r.code === 'SKIP_REACHES_FIXED') {
      report(r.code, `when step "${r.step}" is skipped at its confirmation the run can still end "fixed" without re-reading the state (${route}); route onSkip to a step that verifies, or to an end that says the change was not made`, r.path);
    } else if (r.step !== undefined) {
      report(r.code, `after step "${r.step}" changes something the run can end "fixed" without a verification that re-reads the state (${route}); add a check or verify on that route`, r.path);
    } else {
      report(r.code, `a run can end "fixed" without any verification that re-reads the state (${route}); add a final check whose expect proves the fix`, r.path);
    }
  }
  return found;
}
