/**
 * Checks every CEL field of a runbook: syntax (BAD_CEL), types (CEL_TYPE), `params.x` declared
 * (UNKNOWN_PARAM), `facts.X` naming a step (UNKNOWN_FACT) and produced before it is read
 * (FACT_BEFORE_PRODUCED). "Produced before" is a must-have-run question answered with the
 * dominator tree: some completed query of X (a virtual `done` node) must dominate the state
 * that evaluates the expression. Reads under `has(…)` tolerate a missing fact.
 */
import type { Environment } from '@marcbachmann/cel-js';
import type { Runbook, Step } from '../runbook/schema.js';
import type { NodePath } from '../runbook/types.js';
import type { Report } from './analyze-graph.js';
import { celEnvironmentFor, checkCel, referencedFacts, referencedParams, type CelScope } from './cel.js';
import type { Dominance } from './dominators.js';

export interface CelField {
  path: NodePath;
  expr: string;
  scope: CelScope;
  want?: 'bool' | 'number';
  /** The machine state whose transitions evaluate it. */
  node: string;
}

type Query = { bind?: Record<string, string>; azure?: { body?: unknown } };

function bodyLeaves(body: unknown, path: NodePath, out: Array<[NodePath, string]>): void {
  if (Array.isArray(body)) body.forEach((b, k) => bodyLeaves(b, [...path, k], out));
  else if (body && typeof body === 'object') {
    const rec = body as Record<string, unknown>;
    const keys = Object.keys(rec);
    if (keys.length === 1 && keys[0] === 'cel' && typeof rec.cel === 'string') out.push([[...path, 'cel'], rec.cel]);
    else for (const k of keys) bodyLeaves(rec[k], [...path, k], out);
  }
}

/** Every CEL expression of a step, with where it is evaluated. */
export function celFieldsOf(step: Step, i: number): CelField[] {
  const base = ['steps', i] as const;
  const id = step.id;
  const out: CelField[] = [];
  const add = (path: NodePath, expr: string, scope: CelScope, node: string, want?: 'bool' | 'number') =>
    out.push({ path, expr, scope, node, ...(want ? { want } : {}) });
  const query = (q: Query | undefined, key: string, node: string) => {
    if (!q) return;
    for (const [name, expr] of Object.entries(q.bind ?? {})) add([...base, key, 'bind', name], expr, 'runbook', node);
    const leaves: Array<[NodePath, string]> = [];
    bodyLeaves(q.azure?.body, [...base, key, 'azure', 'body'], leaves);
    for (const [path, expr] of leaves) add(path, expr, 'runbook', node);
  };
  if (step.when) add([...base, 'when'], step.when, 'runbook', step.end ? id : `${id}:when`, 'bool');
  if (step.check) {
    query(step.check, 'check', `${id}:run`);
    if (step.check.expect) add([...base, 'check', 'expect'], step.check.expect, 'query', `${id}:run`, 'bool');
    for (const [k, expr] of Object.entries(step.check.show ?? {})) add([...base, 'check', 'show', k], expr, 'query', `${id}:run`);
  }
  if (step.action) {
    query(step.action, 'action', `${id}:execute`);
    if (step.requires) add([...base, 'requires'], step.requires, 'runbook', `${id}:requires`, 'bool');
    for (const [k, expr] of Object.entries(step.confirm?.show ?? {})) add([...base, 'confirm', 'show', k], expr, 'runbook', `${id}:confirm`);
    if (step.verify) {
      query(step.verify, 'verify', `${id}:verify`);
      add([...base, 'verify', 'expect'], step.verify.expect, 'query', `${id}:verify`, 'bool');
    }
  }
  if (step.wait) {
    query(step.wait, 'wait', `${id}:poll`);
    add([...base, 'wait', 'until'], step.wait.until, 'query', `${id}:poll`, 'bool');
    if (step.wait.progress) {
      add([...base, 'wait', 'progress', 'value'], step.wait.progress.value, 'query', `${id}:poll`, 'number');
      if (step.wait.progress.total) add([...base, 'wait', 'progress', 'total'], step.wait.progress.total, 'query', `${id}:poll`, 'number');
    }
  }
  step.decide?.choices.forEach((c, k) => {
    if (c.when) add([...base, 'decide', 'choices', k, 'when'], c.when, 'runbook', `${id}:choose`, 'bool');
  });
  return out;
}

/** Runs every CEL check on the runbook; `dom` answers the must-have-run question. */
export function analyzeCel(runbook: Runbook, dom: Dominance, report: Report): void {
  const envs: Partial<Record<CelScope, Environment>> = {};
  const envFor = (scope: CelScope) => (envs[scope] ??= celEnvironmentFor(runbook, scope));
  const stepById = new Map<string, Step>();
  for (const s of runbook.steps) if (!stepById.has(s.id)) stepById.set(s.id, s);
  const { split } = dom;
  const checked = new Map<string, ReturnType<typeof checkCel>>();

  // Virtual `done` nodes after which a step's facts exist: its own queries, and rechecks of it.
  const producers = new Map<string, number[]>();
  const addProducer = (step: string, leaf: string) => {
    const v = split.virtualOf(leaf, `xstate.done.actor.${leaf}`);
    if (v === undefined) return;
    const list = producers.get(step) ?? [];
    list.push(v);
    producers.set(step, list);
  };
  runbook.steps.forEach((s) => {
    for (const phase of ['run', 'poll', 'execute', 'verify']) addProducer(s.id, `${s.id}:${phase}`);
    for (const c of s.recheck ?? []) addProducer(c, `${s.id}:recheck`);
  });

  runbook.steps.forEach((step, i) => {
    for (const f of celFieldsOf(step, i)) {
      const unknownParams = referencedParams(f.expr).filter((p) => !Object.prototype.hasOwnProperty.call(runbook.parameters, p.name));
      for (const p of unknownParams) report('UNKNOWN_PARAM', `params.${p.name} is not a parameter of this runbook`, f.path);
      // With an undeclared parameter the type checker only repeats the problem less clearly.
      if (!unknownParams.length) {
        // Runbooks repeat conditions (`rows.size() == 1`); a check depends only on these three.
        const key = `${f.scope}\u0000${f.want ?? ''}\u0000${f.expr}`;
        let problem = checked.get(key);
        if (problem === undefined && !checked.has(key)) {
          problem = checkCel(f.expr, envFor(f.scope), f.want);
          checked.set(key, problem);
        }
        if (problem) {
          report(problem.code, `${problem.message} (in "${f.expr}")`, f.path);
          continue;
        }
      }
      const use = split.indexOf.get(f.node);
      for (const ref of referencedFacts(f.expr)) {
        const producer = stepById.get(ref.step);
        if (!producer) {
          report('UNKNOWN_FACT', `facts.${ref.step} names no step of this runbook`, f.path);
          continue;
        }
        if (producer.decide || producer.end) {
          report('FACT_BEFORE_PRODUCED', `facts.${ref.step}: step "${ref.step}" is a ${producer.decide ? 'decide' : 'end'} step and records no facts`, f.path);
          continue;
        }
        const q = producer.check ?? producer.action ?? producer.wait;
        const roles = q ? (typeof q.on === 'string' ? [q.on] : q.on) : [];
        if (ref.role !== undefined && !roles.includes(ref.role)) {
          report('FACT_BEFORE_PRODUCED', `facts.${ref.step}.${ref.role}: step "${ref.step}" runs on ${roles.join(', ')}, never on "${ref.role}"`, f.path);
          continue;
        }
        if (ref.guarded || use === undefined || !dom.reachable(use)) continue;
        const ran = (producers.get(ref.step) ?? []).some((p) => dom.dominates(p, use));
        if (!ran) {
          report('FACT_BEFORE_PRODUCED', `facts.${ref.step} is read here, but some path reaches this point without step "${ref.step}" having run (guard it with has(facts.${ref.step}) if that is expected)`, f.path);
        }
      }
    }
  });
}
