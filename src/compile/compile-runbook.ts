/**
 * Runbook → machine config + StepGraph + diagnostics. The graph is derived from the emitted
 * config, and every analysis (reachability, cycles, facts, the safety proof) runs on that graph,
 * so what is proven is what xstate will run. One dominator computation serves all of them.
 */
import type { Diagnostic } from '../errors.js';
import type { Runbook } from '../runbook/schema.js';
import type { NodePath } from '../runbook/types.js';
import { analyzeCel } from './analyze-cel.js';
import { findNoEnd, findUnboundedCycles, findUnreachable, type Report } from './analyze-graph.js';
import { buildMachine } from './build-machine.js';
import { deriveGraph } from './derive-graph.js';
import { reportUnearnedFixed } from './earned-outcomes.js';
import { dominance, splitGraph } from './dominators.js';
import { proveSafety, safetyDiagnostics } from './safety-proof.js';
import type { CompileOptions, CompileResult } from './types.js';

/**
 * Compiles a (schema-valid) runbook. Never throws for a bad runbook: problems are collected as
 * diagnostics carrying `path`, and `source`/`range` when `opts` gives them.
 *
 * Semantics decided here: running past the last step (or a `next` chain ending there) finishes
 * with outcome `fixed`; a step's `timeout` bounds each query it sends, not the operator's think
 * time; `retry.max` bounds how often a step runs again in one run, in place or through a loop.
 *
 * @example
 * const loaded = loadRunbook(source);
 * const { machine, graph, diagnostics } = compileRunbook(loaded.runbook!, {
 *   source, locate: (path) => loaded.positions.rangeOf(path),
 * });
 */
export function compileRunbook(runbook: Runbook, opts: CompileOptions = {}): CompileResult {
  const diagnostics: Diagnostic[] = [];
  const report: Report = (code, message, path: NodePath) => {
    const d: Diagnostic = { code, message, severity: 'error', path: [...path] };
    if (opts.source) d.source = opts.source;
    const range = opts.locate?.(path);
    if (range) d.range = range;
    diagnostics.push(d);
  };

  const targets = new Set(runbook.targets);
  runbook.steps.forEach((step, i) => {
    for (const key of ['check', 'action', 'verify', 'wait'] as const) {
      const q = step[key];
      if (!q) continue;
      const roles = typeof q.on === 'string' ? [q.on] : q.on;
      roles.forEach((r, k) => {
        if (!targets.has(r)) report('UNKNOWN_TARGET', `"${r}" is not listed under targets`, typeof q.on === 'string' ? ['steps', i, key, 'on'] : ['steps', i, key, 'on', k]);
      });
    }
  });

  const built = buildMachine(runbook, report);
  const graph = deriveGraph(built.machine);
  const dom = dominance(splitGraph(graph));
  findUnreachable(runbook, graph, dom, report);
  findUnboundedCycles(graph, report);
  findNoEnd(graph, dom, report);
  analyzeCel(runbook, dom, report);
  reportUnearnedFixed(graph, report);
  const safety = proveSafety(graph, dom);
  diagnostics.push(...safetyDiagnostics(safety, graph, opts));
  return { machine: built.machine, graph, delays: built.delays, diagnostics, safety };
}
