/**
 * Dominators over the StepGraph, computed once per graph with Lengauer–Tarjan (path compression,
 * O(m log n)); "does a dominate b" is then O(1) through dominator-tree pre/post numbers.
 *
 * Each group of edges leaving a node on one event is routed through a virtual node
 * (`from|event`), so an *edge* can dominate: "every path to execute takes confirm's CONFIRM edge"
 * and "every path to this use passes a completed query of step X" are both dominance questions.
 */
import type { StepGraph } from './types.js';

export interface SplitGraph {
  /** Real nodes first (same order as graph.nodes), then one virtual node per (from, event). */
  names: string[];
  realCount: number;
  indexOf: Map<string, number>;
  /** The virtual node of the edges leaving `from` on `event`, if any leave it. */
  virtualOf(from: string, event: string): number | undefined;
  succStart: Int32Array;
  succ: Int32Array;
  root: number;
}

export const virtualKey = (from: string, event: string) => `${from}|${event}`;

/**
 * Builds the split graph in CSR form, linear in nodes + edges: edges are bucketed by source
 * (counting sort), and a source's few distinct events are matched within its bucket, so no
 * per-edge string key is built or hashed (that was most of the compiler's time at 10k steps).
 */
export function splitGraph(graph: StepGraph): SplitGraph {
  const realCount = graph.nodes.length;
  const indexOf = new Map<string, number>();
  graph.nodes.forEach((n, i) => indexOf.set(n.id, i));
  const { edges } = graph;
  const m = edges.length;
  const from = new Int32Array(m);
  const to = new Int32Array(m);
  const bucketStart = new Int32Array(realCount + 1);
  for (let k = 0; k < m; k++) {
    const e = edges[k]!;
    from[k] = indexOf.get(e.from)!;
    to[k] = indexOf.get(e.to)!;
    bucketStart[from[k]! + 1]!++;
  }
  for (let u = 0; u < realCount; u++) bucketStart[u + 1]! += bucketStart[u]!;
  const order = new Int32Array(m);
  const fill = bucketStart.slice(0, realCount);
  for (let k = 0; k < m; k++) order[fill[from[k]!]!++] = k;

  // Virtual nodes of source u are realCount + [firstVirtual[u], firstVirtual[u + 1]).
  const firstVirtual = new Int32Array(realCount + 1);
  const virtualEvent: string[] = [];
  const edgeVirtual = new Int32Array(m);
  for (let u = 0; u < realCount; u++) {
    const first = virtualEvent.length;
    firstVirtual[u] = first;
    const end = bucketStart[u + 1]!;
    // Buckets hold a handful of events; a large one (many distinct events) gets a map.
    const big = end - bucketStart[u]! > 32 ? new Map<string, number>() : undefined;
    for (let b = bucketStart[u]!; b < end; b++) {
      const k = order[b]!;
      const event = edges[k]!.event;
      let j = big?.get(event) ?? -1;
      if (!big) for (let x = first; x < virtualEvent.length; x++) if (virtualEvent[x] === event) { j = x; break; }
      if (j < 0) {
        j = virtualEvent.length;
        virtualEvent.push(event);
        big?.set(event, j);
      }
      edgeVirtual[k] = realCount + j;
    }
  }
  firstVirtual[realCount] = virtualEvent.length;

  const n = realCount + virtualEvent.length;
  const names = graph.nodes.map((node) => node.id);
  for (let u = 0; u < realCount; u++) for (let x = firstVirtual[u]!; x < firstVirtual[u + 1]!; x++) names.push(virtualKey(names[u]!, virtualEvent[x]!));

  // Successors: a real node → its virtual nodes; a virtual node → the targets of its edges.
  const succStart = new Int32Array(n + 1);
  for (let u = 0; u < realCount; u++) succStart[u + 1] = firstVirtual[u + 1]! - firstVirtual[u]!;
  for (let k = 0; k < m; k++) succStart[edgeVirtual[k]! + 1]!++;
  for (let i = 0; i < n; i++) succStart[i + 1]! += succStart[i]!;
  const succ = new Int32Array(succStart[n]!);
  const cursor = succStart.slice(0, n);
  for (let u = 0; u < realCount; u++) for (let x = firstVirtual[u]!; x < firstVirtual[u + 1]!; x++) succ[cursor[u]!++] = realCount + x;
  for (let b = 0; b < m; b++) {
    const k = order[b]!;
    succ[cursor[edgeVirtual[k]!]!++] = to[k]!;
  }

  const virtualOf = (fromName: string, event: string): number | undefined => {
    const u = indexOf.get(fromName);
    if (u === undefined || u >= realCount) return undefined;
    for (let x = firstVirtual[u]!; x < firstVirtual[u + 1]!; x++) if (virtualEvent[x] === event) return realCount + x;
    return undefined;
  };
  return { names, realCount, indexOf, virtualOf, succStart, succ, root: indexOf.get(graph.entry) ?? 0 };
}

export interface Dominance {
  split: SplitGraph;
  /** Immediate dominator of each node, -1 for the root and for unreachable nodes. */
  idom: Int32Array;
  reachable(v: number): boolean;
  dominates(a: number, b: number): boolean;
}

/**
 * Lengauer–Tarjan in Appel's formulation, iterative throughout so 300k-node graphs cannot
 * overflow the stack.
 *
 * @example
 * const d = dominance(splitGraph(graph));
 * d.dominates(d.split.indexOf.get('demote:confirm')!, d.split.indexOf.get('demote:execute')!);
 */
export function dominance(split: SplitGraph): Dominance {
  const { succStart, succ, root } = split;
  const n = split.names.length;
  const dfnum = new Int32Array(n).fill(-1);
  const vertex = new Int32Array(n);
  const parent = new Int32Array(n).fill(-1);
  let count = 0;
  // iterative preorder DFS
  const stack = new Int32Array(n);
  const cursor = new Int32Array(n);
  let sp = 0;
  dfnum[root] = count;
  vertex[count++] = root;
  stack[sp++] = root;
  cursor[root] = succStart[root]!;
  while (sp > 0) {
    const v = stack[sp - 1]!;
    if (cursor[v]! < succStart[v + 1]!) {
      const w = succ[cursor[v]!++]!;
      if (dfnum[w] === -1) {
        dfnum[w] = count;
        vertex[count++] = w;
        parent[w] = v;
        cursor[w] = succStart[w]!;
        stack[sp++] = w;
      }
    } else sp--;
  }

  // predecessors of reachable nodes, CSR
  const predStart = new Int32Array(n + 1);
  for (let v = 0; v < n; v++) if (dfnum[v]! >= 0) for (let k = succStart[v]!; k < succStart[v + 1]!; k++) predStart[succ[k]! + 1]!++;
  for (let i = 0; i < n; i++) predStart[i + 1]! += predStart[i]!;
  const pfill = predStart.slice(0, n);
  const pred = new Int32Array(predStart[n]!);
  for (let v = 0; v < n; v++) if (dfnum[v]! >= 0) for (let k = succStart[v]!; k < succStart[v + 1]!; k++) pred[pfill[succ[k]!]!++] = v;

  const semi = new Int32Array(n).fill(-1);
  const ancestor = new Int32Array(n).fill(-1);
  const best = new Int32Array(n);
  const idom = new Int32Array(n).fill(-1);
  const samedom = new Int32Array(n).fill(-1);
  const bucketHead = new Int32Array(n).fill(-1);
  const bucketNext = new Int32Array(n).fill(-1);
  for (let v = 0; v < n; v++) best[v] = v;
  const path = new Int32Array(n);

  const lowestSemi = (v: number): number => {
    let len = 0;
    let x = v;
    while (ancestor[x]! !== -1 && ancestor[ancestor[x]!]! !== -1) {
      path[len++] = x;
      x = ancestor[x]!;
    }
    while (len > 0) {
      const u = path[--len]!;
      const a = ancestor[u]!;
      const b = best[a]!;
      ancestor[u] = ancestor[a]!;
      if (dfnum[semi[b]!]! < dfnum[semi[best[u]!]!]!) best[u] = b;
    }
    return best[v]!;
  };

  for (let i = count - 1; i >= 1; i--) {
    const w = vertex[i]!;
    const p = parent[w]!;
    let s = p;
    for (let k = predStart[w]!; k < predStart[w + 1]!; k++) {
      const v = pred[k]!;
      const s2 = dfnum[v]! <= dfnum[w]! ? v : semi[lowestSemi(v)]!;
      if (dfnum[s2]! < dfnum[s]!) s = s2;
    }
    semi[w] = s;
    bucketNext[w] = bucketHead[s]!;
    bucketHead[s] = w;
    ancestor[w] = p;
    best[w] = w;
    for (let v = bucketHead[p]!; v !== -1; v = bucketNext[v]!) {
      const y = lowestSemi(v);
      if (semi[y] === semi[v]) idom[v] = p;
      else samedom[v] = y;
    }
    bucketHead[p] = -1;
  }
  for (let i = 1; i < count; i++) {
    const w = vertex[i]!;
    if (samedom[w]! !== -1) idom[w] = idom[samedom[w]!]!;
  }

  // pre/post numbers on the dominator tree for O(1) queries
  const childHead = new Int32Array(n).fill(-1);
  const childNext = new Int32Array(n).fill(-1);
  for (let i = count - 1; i >= 1; i--) {
    const w = vertex[i]!;
    const d = idom[w]!;
    childNext[w] = childHead[d]!;
    childHead[d] = w;
  }
  const pre = new Int32Array(n).fill(-1);
  const post = new Int32Array(n).fill(-1);
  let clock = 0;
  sp = 0;
  stack[sp++] = root;
  pre[root] = clock++;
  const next = childHead.slice();
  while (sp > 0) {
    const v = stack[sp - 1]!;
    const c = next[v]!;
    if (c !== -1) {
      next[v] = childNext[c]!;
      pre[c] = clock++;
      stack[sp++] = c;
    } else {
      post[v] = clock++;
      sp--;
    }
  }

  return {
    split,
    idom,
    reachable: (v) => dfnum[v]! >= 0,
    dominates: (a, b) => dfnum[a]! >= 0 && dfnum[b]! >= 0 && pre[a]! <= pre[b]! && post[b]! <= post[a]!,
  };
}

/**
 * A shortest path from the root to `target` that avoids `blocked`, as node names; undefined when
 * none exists. Only used to explain a failed proof, so one BFS per failure is fine.
 */
export function pathAvoiding(split: SplitGraph, target: number, blocked: ReadonlySet<number>): string[] | undefined {
  const { succStart, succ, root } = split;
  if (blocked.has(root)) return undefined;
  const prev = new Int32Array(split.names.length).fill(-2);
  prev[root] = -1;
  const queue = [root];
  for (let q = 0; q < queue.length; q++) {
    const v = queue[q]!;
    if (v === target) break;
    for (let k = succStart[v]!; k < succStart[v + 1]!; k++) {
      const w = succ[k]!;
      if (prev[w] !== -2 || blocked.has(w)) continue;
      prev[w] = v;
      queue.push(w);
    }
  }
  if (prev[target] === -2) return undefined;
  const out: string[] = [];
  for (let v = target; v !== -1; v = prev[v]!) out.push(split.names[v]!);
  return out.reverse();
}
