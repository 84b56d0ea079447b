/**
 * The dry-run plan: a pure function of runbook + compiled machine + parameter values. SQL is
 * rendered through the one template renderer (identifiers bracket-quoted), so the statement in
 * the plan is byte for byte the statement a run sends; bound values are listed beside it.
 */
import type { Runbook, Step } from '../runbook/schema.js';
import { parseSqlTemplate, renderSqlTemplate } from '../runbook/sql-template.js';
import { referencedFacts } from './cel.js';
import type { CompileResult, ParamValue, Plan, PlanBinding, PlanBranch, PlanOutcome, PlanQuery, PlanStep } from './types.js';

type Query = { on: string | string[]; sql?: string; bind?: Record<string, string>; azure?: { operation: string; link?: string; body?: unknown } };

/** What a CEL value will be: a parameter's value when it is just `params.x`, else a marker. */
function celValue(expr: string, values: Record<string, ParamValue>): string {
  const direct = /^\s*params\.([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(expr);
  if (direct && Object.prototype.hasOwnProperty.call(values, direct[1]!)) return String(values[direct[1]!]);
  const facts = referencedFacts(expr);
  if (facts.length) return `<from facts.${facts[0]!.step}${facts[0]!.role ? `.${facts[0]!.role}` : ''}…>`;
  return `<cel: ${expr}>`;
}

function resolveBody(body: unknown, values: Record<string, ParamValue>): unknown {
  if (Array.isArray(body)) return body.map((b) => resolveBody(b, values));
  if (body && typeof body === 'object') {
    const rec = body as Record<string, unknown>;
    if (Object.keys(rec).length === 1 && typeof rec.cel === 'string') return celValue(rec.cel, values);
    return Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, resolveBody(v, values)]));
  }
  return body;
}

function planQuery(phase: PlanQuery['phase'], q: Query, values: Record<string, ParamValue>, expect?: string): PlanQuery {
  const out: PlanQuery = { phase, on: typeof q.on === 'string' ? [q.on] : [...q.on] };
  if (q.sql !== undefined) {
    const t = parseSqlTemplate(q.sql);
    const strings = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)]));
    out.sql = renderSqlTemplate(t, strings).trim();
    out.bindings = t.boundNames.map((name): PlanBinding => {
      const bound = q.bind?.[name];
      if (bound !== undefined) return { name, value: celValue(bound, values), from: 'bind' };
      return { name, value: Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : '<unset>', from: 'param' };
    });
  }
  if (q.azure) {
    out.azure = { operation: q.azure.operation, link: q.azure.link ?? String(values.link ?? '<unset>') };
    if (q.azure.body !== undefined) out.azure.body = resolveBody(q.azure.body, values);
  }
  if (expect !== undefined) out.expect = expect;
  return out;
}

const kindOf = (s: Step) => (s.check ? 'check' : s.action ? 'action' : s.wait ? 'wait' : s.decide ? 'decide' : 'end');

/**
 * Builds the plan. `sha256` is the runbook's canonical hash (computed by the caller, so this
 * stays free of hashing and I/O). Throws only if a parameter value cannot be rendered into SQL,
 * which `resolveParameters` has already ruled out.
 *
 * @example
 * const { values } = resolveParameters(runbook, { link: 'AG1', keep: 'managedInstance' });
 * const plan = buildPlan(runbook, compileRunbook(runbook), values, { sha256: runbookSha256(runbook) });
 * console.log(renderPlan(plan, 'text', { color: false }));
 */
export function buildPlan(runbook: Runbook, compiled: CompileResult, values: Record<string, ParamValue>, meta: { sha256: string }): Plan {
  const steps = runbook.steps;
  const steps_: PlanStep[] = steps.map((s, i) => {
    const following = steps[i + 1]?.id ?? '@fixed';
    const succ = s.next ?? following;
    const fail = s.onFail ?? '@failed';
    const kind = kindOf(s);
    const p: PlanStep = { number: i + 1, id: s.id, title: s.title, kind, queries: [], branches: [] };
    if (s.impact) p.impact = s.impact;
    if (s.when) p.when = s.when;
    if (s.check) p.queries.push(planQuery('check', s.check, values, s.check.expect));
    if (s.action) {
      {
        // Every change is asked for (guided) or answered by the approval's policy (unattended).
        const c = s.confirm;
        p.confirm = { evidence: c?.evidence ?? [] };
        if (c?.message !== undefined) p.confirm.message = c.message;
        if (c?.show) p.confirm.show = c.show;
        if (c?.typeToConfirm !== undefined) p.confirm.typeToConfirm = { param: c.typeToConfirm, expected: String(values[c.typeToConfirm] ?? '<unset>') };
      }
      if (s.recheck?.length) p.recheck = s.recheck;
      if (s.requires) p.requires = s.requires;
      p.queries.push(planQuery('execute', s.action, values));
      if (s.verify) p.queries.push(planQuery('verify', s.verify, values, s.verify.expect));
    }
    if (s.wait) {
      p.wait = { interval: s.wait.interval, timeout: s.wait.timeout, until: s.wait.until };
      p.queries.push(planQuery('poll', s.wait, values, s.wait.until));
    }
    if (s.decide) {
      p.decide = { prompt: s.decide.prompt, choices: s.decide.choices.map((c) => ({ label: c.label, goto: c.next, ...(c.when ? { when: c.when } : {}) })) };
    }
    if (s.end) p.end = { outcome: s.end.outcome, message: s.end.message };
    if (s.retry && !s.end && !s.decide) p.retry = { max: s.retry.max, delay: s.retry.delay };
    if (s.timeout) p.timeout = s.timeout;

    const b: PlanBranch[] = p.branches;
    if (s.when) b.push({ on: 'when-false', condition: s.when, goto: succ });
    if (s.decide) s.decide.choices.forEach((c) => b.push({ on: 'choice', label: c.label, ...(c.when ? { condition: c.when } : {}), goto: c.next }));
    else if (!s.end) {
      b.push({ on: 'next', goto: succ });
      if (p.confirm) b.push({ on: 'confirm-skip', goto: s.onSkip ?? `${s.id}:skipped` });
      if (s.wait) b.push({ on: 'timeout', goto: fail });
      if (p.retry) b.push({ on: 'retry-exhausted', goto: fail });
      b.push({ on: 'onFail', goto: fail });
    }
    return p;
  });

  const reachable = new Set<string>();
  for (const e of compiled.graph.edges) reachable.add(e.to);
  const outcomes: PlanOutcome[] = steps.filter((s) => s.end).map((s) => ({ outcome: s.end!.outcome, step: s.id, message: s.end!.message }));
  for (const n of compiled.graph.nodes) {
    if (n.final && n.phase === 'skipped' && n.step !== undefined) {
      outcomes.push({ outcome: n.outcome ?? 'manual', step: n.id, message: compiled.machine.states[n.id]?.output?.message ?? '' });
    }
    if (n.final && n.step === undefined && n.outcome && (reachable.has(n.id) || n.id === '@aborted')) {
      const message = compiled.machine.states[n.id]?.output?.message ?? '';
      outcomes.push({ outcome: n.outcome, message });
    }
  }

  const parameters: Record<string, ParamValue> = {};
  for (const name of Object.keys(runbook.parameters)) if (Object.prototype.hasOwnProperty.call(values, name)) parameters[name] = values[name]!;
  return {
    planVersion: 1,
    runbook: {
      name: runbook.metadata.name,
      title: runbook.metadata.title,
      sha256: meta.sha256,
      ...(runbook.metadata.description !== undefined ? { description: runbook.metadata.description } : {}),
      ...(runbook.metadata.notes.length ? { notes: [...runbook.metadata.notes] } : {}),
    },
    summary: summarizeSteps(runbook),
    parameters,
    targets: [...runbook.targets],
    steps: steps_,
    outcomes,
  };
}

const count = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/**
 * One line a DBA reads before running: `5 checks, 3 changes (2 destructive), 1 manual step, 2 waits`.
 * A decide step is the operator's call (a manual step); verify queries are part of their change.
 *
 * @example
 * summarizeSteps(runbook) // '4 checks, 2 changes (2 destructive), 1 manual step, 1 wait, 5 ends'
 */
export function summarizeSteps(runbook: Runbook): string {
  const n = (pred: (s: Runbook['steps'][number]) => boolean) => runbook.steps.filter(pred).length;
  const changes = n((s) => s.action !== undefined);
  const destructive = n((s) => s.action !== undefined && s.impact === 'destructive');
  const parts = [count(n((s) => s.check !== undefined), 'check'), `${count(changes, 'change')}${destructive ? ` (${destructive} destructive)` : ''}`];
  const manual = n((s) => s.decide !== undefined);
  if (manual) parts.push(count(manual, 'manual step'));
  const waits = n((s) => s.wait !== undefined);
  if (waits) parts.push(count(waits, 'wait'));
  return parts.join(', ');
}
