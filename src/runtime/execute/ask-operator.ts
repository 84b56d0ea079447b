/**
 * Builds what the operator sees before a confirmed step or at a decide step (target, the exact
 * statement or Azure call, the declared evidence) and turns the Prompter's answer into a machine
 * event. Every question and answer is recorded.
 */
import { describeAzureCall } from '../../compile/describe-azure-call.js';
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

export function confirmRequest(rs: RunState, runner: QueryRunner, step: string): ConfirmRequest {
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
    evidence: evidenceFor(rs, s.confirm?.evidence ?? [], s.confirm?.show),
  };
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
