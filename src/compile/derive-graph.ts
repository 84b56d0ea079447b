/**
 * The StepGraph is read back out of the emitted machine config, never built alongside it, so the
 * safety proof and the analyses are about the machine xstate will run. Targets resolve as xstate
 * resolves them (`#id`, or a sibling key); a transition on a compound state can be taken from
 * any leaf inside it; entering a compound state enters its initial leaf.
 */
import { AgmedicError } from '../errors.js';
import type { EdgeKind, GraphEdge, GraphNode, MachineConfigData, StateNodeData, StepGraph, TransitionData } from './types.js';

interface Info {
  node: StateNodeData;
  parent: Info | undefined;
  /** Has delayed transitions leaving it: loops inside it end when that timer fires. */
  timed: boolean;
}

/**
 * Walks the config's `on`, `always`, `after` and invoke `onDone`/`onError` transitions.
 * Throws INTERNAL for a target that does not resolve (a compiler bug, not a runbook problem).
 *
 * @example
 * const graph = deriveGraph(compileRunbook(runbook).machine);
 * graph.edges.filter((e) => e.kind === 'retry');
 */
export function deriveGraph(machine: MachineConfigData): StepGraph {
  const byId = new Map<string, Info>();
  const leaves: Info[] = [];
  const index = (node: StateNodeData, parent: Info | undefined) => {
    const info: Info = { node, parent, timed: node.after !== undefined && node.states !== undefined };
    if (byId.has(node.id)) throw new AgmedicError('INTERNAL', `machine config has two states with id "${node.id}"`);
    byId.set(node.id, info);
    if (node.states) for (const child of Object.values(node.states)) index(child, info);
    else leaves.push(info);
  };
  index(machine, undefined);

  const initialLeaf = (info: Info): Info => {
    let at = info;
    while (at.node.states) {
      const key = at.node.initial;
      const child = key === undefined ? undefined : at.node.states[key];
      if (!child) throw new AgmedicError('INTERNAL', `state "${at.node.id}" has no initial child "${key}"`);
      at = byId.get(child.id)!;
    }
    return at;
  };
  const resolveRaw = (target: string, source: Info): Info => {
    const found = target.startsWith('#') ? byId.get(target.slice(1)) : (() => {
      const sibling = source.parent?.node.states?.[target];
      return sibling ? byId.get(sibling.id) : undefined;
    })();
    if (!found) throw new AgmedicError('INTERNAL', `transition from "${source.node.id}" targets "${target}", which is not a state`);
    return found;
  };
  const contains = (outer: Info, inner: Info) => {
    for (let at: Info | undefined = inner; at; at = at.parent) if (at === outer) return true;
    return false;
  };

  const nodes: GraphNode[] = leaves.map(({ node }) => {
    const m = node.meta;
    const n: GraphNode = { id: node.id, phase: m?.phase ?? 'enter' };
    if (m?.step !== undefined) n.step = m.step;
    if (m?.stepIndex !== undefined) n.stepIndex = m.stepIndex;
    if (m?.kind !== undefined) n.kind = m.kind;
    if (m?.impact !== undefined) n.impact = m.impact;
    if (node.type === 'final') n.final = true;
    if (m?.outcome !== undefined) n.outcome = m.outcome;
    return n;
  });

  const edges: GraphEdge[] = [];
  for (const leaf of leaves) {
    // Targeting a timed state itself re-enters it and restarts its timer, hence `raw !== at` below.
  // A top-level final state stops the machine: nothing leaves it.
    if (leaf.node.type === 'final') continue;
    for (let holder: Info | undefined = leaf; holder; holder = holder.parent) {
      const h = holder;
      const add = (event: string, list: TransitionData[] | undefined) => {
        for (const tr of list ?? []) {
          const raw = resolveRaw(tr.target, h);
          const to = initialLeaf(raw);
          const kind: EdgeKind = tr.meta?.edge ?? (event === 'ABORT' ? 'abort' : 'phase');
          const counted = tr.guard?.type === 'retryLeft' && (tr.actions ?? []).some((a) => a.type === 'countRun');
          let timedLoop = false;
          for (let at: Info | undefined = leaf; at && !timedLoop; at = at.parent) timedLoop = at.timed && raw !== at && contains(at, raw);
          const edge: GraphEdge = { from: leaf.node.id, to: to.node.id, event, kind, bounded: counted || timedLoop };
          if (tr.guard) edge.guard = tr.guard.type;
          if (tr.meta?.path) edge.path = tr.meta.path;
          if (tr.meta?.verifies) edge.verifies = true;
          edges.push(edge);
        }
      };
      const n = h.node;
      for (const [event, list] of Object.entries(n.on ?? {})) add(event, list);
      add('always', n.always);
      for (const [delay, list] of Object.entries(n.after ?? {})) add(`after:${delay}`, list);
      if (n.invoke) {
        add(`xstate.done.actor.${n.invoke.id}`, n.invoke.onDone);
        add(`xstate.error.actor.${n.invoke.id}`, n.invoke.onError);
      }
    }
  }
  return { entry: initialLeaf(byId.get(machine.id)!).node.id, nodes, edges };
}
