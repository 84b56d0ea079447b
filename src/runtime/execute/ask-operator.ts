/**
 * Builds what the operator sees before a confirmed step or at a decide step (target, the exact
 * statement or Azure call, the declared evidence) and turns the Prompter's answer into a machine
 * event. Every question and answer is recorded.
 */
import { describeAzureCall } from '../../compile/describe-azure-call.js';
import { isAgmedicError } from '../../errors.js';
import type { ConfirmRequest, DecideRequest, EvidenceItem } from '../../ports/prompter.js';
import { holds, valueOf } from './cel-scope.js';
import type { RunState } from './run-state.js';
import type { QueryRunner } from './send-query.js';

export function evidenceFor(rs: RunState, ids: readonly string[], show: Record<string, string> = {}): EvidenceItem[] {
  const items: EvidenceItem[] = [];
  for (const id of ids) {
    const byRole = rs.facts[id];
    if (byRole && typeof byRole === 'object' && !Array.isArray(byRole)) {
      for (const [role, value] of Object.entries(byRole)) items.push({ label: `${id}.${role}`, value });
    } else items.push({ label: id, value: byRole ?? '(not read in this run)' });
  }
  const scope = { params: rs.opts.values, facts: rs.facts };
  for (const [label, expr] of Object.entries(show)) items.push({ label, value: valueOf(expr, scope, rs.celError) ?? `(could not evaluate ${expr})` });
  return items;
}

/** Evidence read immediately before a prompt: the facts, when, where, and which differ from the route's. */
export interface FreshEvidence {
  facts: Record<string, unknown>;
  at: Date;
  on: string[];
  changed: string[];
}

const same = (a: unknown, b: unknown): boolean => {
  const json = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  return json(a) === json(b);
};

/**
 * Re-reads the checks and waits a confirmation shows as evidence (and those it re-checks), so the
 * operator decides on the state as it is now, not as it was when the route was chosen. Reads are
 * audited like every statement; the machine's facts are left alone (the post-answer re-check
 * still decides whether the action may run).
 */
export async function readFreshEvidence(rs: RunState, runner: QueryRunner, step: string, signal: AbortSignal): Promise<FreshEvidence | undefined> {
  const s = rs.steps.get(step)!;
  const ids = [...new Set([...(s.confirm?.evidence ?? []), ...(s.recheck ?? [])])].filter((id) => rs.steps.get(id)?.check || rs.steps.get(id)?.wait);
  if (ids.length === 0) return undefined;
  const facts: Record<string, unknown> = {};
  const on = new Set<string>();
  const changed: string[] = [];
  const shown = new Set(s.confirm?.evidence ?? []);
  for (const id of ids) {
    const phase = rs.steps.get(id)!.check ? 'recheck' : 'poll';
    let byRole: Record<string, unknown>;
    try {
      byRole = (await runner.read(id, phase, signal)).byRole;
    } catch (err) {
      // An Azure resource that is gone now (someone deleted the link meanwhile) is evidence, not a
      // reason to stop before the operator has seen it: shown as nothing, and flagged as changed.
      if (!(isAgmedicError(err) && err.code === 'AZURE_ERROR' && err.details?.status === 404)) throw err;
      byRole = Object.fromEntries(rs.query(id, phase).on.map((role) => [role, null]));
    }
    for (const role of Object.keys(byRole)) on.add(role);
    facts[id] = byRole;
    // Only what the prompt shows is named as changed (re-check-only facts are judged after the answer).
    if (shown.has(id) && id in rs.facts && !same(rs.facts[id], byRole)) changed.push(id);
  }
  return { facts, at: rs.opts.clock.now(), on: [...on], changed };
}

export function confirmRequest(rs: RunState, runner: QueryRunner, step: string, fresh?: FreshEvidence): ConfirmRequest {
  const s = rs.steps.get(step)!;
  const q = rs.query(step, 'execute');
  const { opts } = rs;
  const targets = q.on.map((role) => ({ role, server: (q.azure ? opts.targets.azure[role]?.describe() : opts.targets.sql[role]?.describe()) ?? `${role} (not open)` }));
  const req: ConfirmRequest = {
    runId: opts.runId,
    step,
    title: s.title,
    impact: s.impact ?? 'change',
    targets,
    evidence: evidenceFor(fresh ? { ...rs, facts: { ...rs.facts, ...fresh.facts } } : rs, s.confirm?.evidence ?? [], s.confirm?.show),
  };
  if (fresh) {
    req.evidenceRead = { at: fresh.at.toISOString(), on: fresh.on.map((role) => targets.find((t) => t.role === role)?.server ?? opts.targets.sql[role]?.describe() ?? role) };
    if (fresh.changed.length) req.evidenceChanged = fresh.changed;
  }
  if (s.description !== undefined) req.description = s.description;
  if (q.sql !== undefined) req.statement = { sql: q.sql, params: Object.fromEntries(runner.params(step, 'execute', q).map((p) => [p.name, p.value])) };
  if (q.azure) {
    const body = runner.azureBody(step, 'execute');
    const call = runner.azureCall(step, 'execute', q.azure);
    req.azure = {
      operation: call.operation,
      link: call.link,
      call: describeAzureCall(call),
      ...(call.certificate === undefined ? {} : { certificate: call.certificate }),
      ...(call.apiVersion === undefined ? {} : { apiVersion: call.apiVersion }),
      ...(body === undefined ? {} : { body }),
    };
  }
  if (s.confirm?.message !== undefined) req.message = s.confirm.message;
  const param = s.confirm?.typeToConfirm;
  if (param !== undefined) req.typeToConfirm = { param, expected: String(opts.values[param] ?? '') };
  return req;
}

export function decideRequest(rs: RunState, step: string): DecideRequest {
  const s = rs.steps.get(step)!;
  const d = s.decide!;
  const scope = { params: rs.opts.values, facts: rs.facts };
  const policy = d.choices.findIndex((c) => c.when === undefined || holds(c.when, scope, rs.celError));
  const evidence = evidenceFor(rs, [...new Set(Object.keys(rs.facts))].slice(-3));
  return {
    runId: rs.opts.runId,
    step,
    title: s.title,
    prompt: d.prompt,
    choices: d.choices.map((c, index) => ({ index, label: c.label, next: c.next })),
    ...(policy >= 0 ? { policyChoice: policy } : {}),
    evidence,
  };
}
