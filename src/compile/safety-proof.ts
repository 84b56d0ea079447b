/**
 * The safety proof: every destructive action's execute state can be entered only through its
 * confirmation. Stated as dominance on the StepGraph — the CONFIRM edge out of the step's
 * confirm node dominates its execute node (so confirm dominates execute, and the SKIP/ABORT
 * edges cannot lead on to it) — and decided with one dominator computation for all steps.
 */
import type { Diagnostic, SourceFile } from '../errors.js';
import { dominance, pathAvoiding, splitGraph, type Dominance } from './dominators.js';
import type { Locate, SafetyResult, SafetyStepResult, StepGraph } from './types.js';

/**
 * Proves (or refutes, with a witness path) that every destructive execute node is dominated by
 * its step's CONFIRM edge. Pass `dom` to reuse a dominator computation over the same graph.
 *
 * @example
 * const result = proveSafety(compileRunbook(runbook).graph);
 * if (!result.ok) console.log(result.steps.find((s) => !s.safe)?.witness);
 */
export function proveSafety(graph: StepGraph, dom: Dominance = dominance(splitGraph(graph))): SafetyResult {
  const { split } = dom;
  const steps: SafetyStepResult[] = [];
  const confirmOf = new Map<string, string>();
  for (const n of graph.nodes) if (n.phase === 'confirm' && n.step !== undefined) confirmOf.set(n.step, n.id);
  for (const n of graph.nodes) {
    if (n.phase !== 'execute' || n.impact !== 'destructive' || n.step === undefined) continue;
    const exec = split.indexOf.get(n.id)!;
    const confirmNode = confirmOf.get(n.step);
    const gate = confirmNode === undefined ? undefined : split.virtualOf(confirmNode, 'CONFIRM');
    const result: SafetyStepResult = { step: n.step, executeNode: n.id, safe: true };
    if (confirmNode !== undefined) result.confirmNode = confirmNode;
    if (dom.reachable(exec) && (gate === undefined || !dom.dominates(gate, exec))) {
      result.safe = false;
      const witness = pathAvoiding(split, exec, new Set(gate === undefined ? [] : [gate]));
      // Virtual nodes are `from|event`; keep only the states, which is what an operator recognises.
      if (witness) result.witness = witness.filter((name) => !name.includes('|'));
    }
    steps.push(result);
  }
  return { ok: steps.every((s) => s.safe), steps };
}

/** One UNSAFE_DESTRUCTIVE_ENTRY diagnostic per unsafe step, at the step's `impact`. */
export function safetyDiagnostics(result: SafetyResult, graph: StepGraph, opts: { source?: SourceFile; locate?: Locate }): Diagnostic[] {
  const indexOf = new Map<string, number>();
  for (const n of graph.nodes) if (n.step !== undefined && n.stepIndex !== undefined) indexOf.set(n.step, n.stepIndex);
  return result.steps
    .filter((s) => !s.safe)
    .map((s) => {
      const path = ['steps', indexOf.get(s.step) ?? 0, 'impact'];
      const d: Diagnostic = {
        code: 'UNSAFE_DESTRUCTIVE_ENTRY',
        message: `destructive step "${s.step}" can be executed without its confirmation: ${(s.witness ?? []).join(' → ')}`,
        severity: 'error',
        path,
      };
      if (opts.source) d.source = opts.source;
      const range = opts.locate?.(path);
      if (range) d.range = range;
      return d;
    });
}
