/**
 * What an approver is about to allow, printed before `approve` signs: every statement an
 * unattended run may send that changes something, and every gate (confirmation, decision) the
 * policy will pass in their place. Rendered with the pinned parameter values when every value is
 * pinned; as the runbook's templates otherwise (a constrained value is not known until the run).
 */
import { buildPlan, type ParamValue, type Plan } from '../compile/index.js';
import type { ParameterConstraint } from '../runtime/approval/index.js';
import type { Usable } from './load-and-compile.js';

/** @example output.err(approvalPlanSummary(usable, constraints).join('\n')) */
export function approvalPlanSummary(usable: Usable, constraints: Record<string, ParameterConstraint>): string[] {
  const pinned: Record<string, ParamValue> = {};
  for (const [k, c] of Object.entries(constraints)) if (c.equals !== undefined && Object.keys(c).length === 1) pinned[k] = c.equals;
  let plan: Plan | undefined;
  let rendered = false;
  try {
    if (Object.keys(pinned).length === Object.keys(constraints).length) {
      plan = buildPlan(usable.runbook, usable.compiled, pinned, { sha256: usable.sha256 });
      rendered = true;
    }
  } catch {
    plan = undefined;
  }
  const out: string[] = [`This approval lets unattended runs of ${usable.runbook.metadata.name} (sha256 ${usable.sha256.slice(0, 12)}…) do, with nobody asked:`];
  const changes: string[] = [];
  const gates: string[] = [];
  const w = Math.max(...usable.runbook.steps.map((s) => s.id.length));
  for (const s of usable.runbook.steps) {
    const planned = plan?.steps.find((p) => p.id === s.id);
    if (s.action) {
      const q = planned?.queries.find((x) => x.phase === 'execute');
      const what = q?.sql ?? (q?.azure ? `ARM ${q.azure.operation} on link ${q.azure.link}` : s.action.sql ?? (s.action.azure ? `ARM ${s.action.azure.operation}` : '?'));
      const on = (q?.on ?? [s.action.on].flat()).join(', ');
      changes.push(`    ${s.id.padEnd(w)}  ${(s.impact === 'destructive' ? 'DESTRUCTIVE' : 'change').padEnd(11)}  on ${on}: ${what.replace(/\s+/g, ' ').trim()}`);
    }
    if (s.confirm) gates.push(`    ${s.id.padEnd(w)}  confirmation${s.confirm.typeToConfirm ? ` (typed name: ${s.confirm.typeToConfirm})` : ''} — passed by the approval`);
    if (s.decide) gates.push(`    ${s.id.padEnd(w)}  decision "${s.decide.prompt.split('.')[0]!.slice(0, 70)}" — the first choice whose condition holds, else the run stops`);
  }
  out.push(`  statements that change something (${changes.length}${rendered ? ', with the pinned values' : ', as templates: some values are only constrained'}):`, ...(changes.length ? changes : ['    none']));
  out.push(`  gates the policy passes instead of a person (${gates.length}):`, ...(gates.length ? gates : ['    none']));
  return out;
}
