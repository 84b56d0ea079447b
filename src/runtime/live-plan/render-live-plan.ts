/**
 * Text for `agmedic plan --live`: the route from the current state, each step with the facts that
 * decided how it was left, where the run would first change something, and the fingerprint.
 */
import { describeAzureCall } from '../../compile/describe-azure-call.js';
import type { PlanStep } from '../../compile/types.js';
import type { FingerprintEntry } from '../fingerprint/types.js';
import type { LivePlan } from './types.js';

const paint = (on: boolean, code: number, s: string): string => (on ? `\u001b[${code}m${s}\u001b[0m` : s);

function short(v: unknown, max = 100): string {
  const s = JSON.stringify(v) ?? 'null';
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

const valueOf = (f: FingerprintEntry): string => (f.unavailable ? '<unavailable>' : short(f.value ?? null, 60));

/**
 * @example
 * console.log(renderLivePlan(live, { color: output.color }));
 */
export function renderLivePlan(plan: LivePlan, { color }: { color: boolean }): string {
  const { live } = plan;
  const bold = (s: string) => paint(color, 1, s);
  const dim = (s: string) => paint(color, 2, s);
  const steps = new Map<string, PlanStep>(plan.steps.map((s) => [s.id, s]));
  const width = Math.max(4, ...live.route.map((e) => e.step.length));
  const lines: string[] = [];
  const params = Object.entries(plan.parameters).map(([k, v]) => `${k}=${String(v)}`).join(' ');
  lines.push(`${bold('Live plan')}  ${plan.runbook.name}  ${plan.runbook.title}`);
  lines.push(dim(`runbook sha256 ${plan.runbook.sha256.slice(0, 16)}…  ${params}`));
  const changed = live.statements.length;
  lines.push(
    `read at ${live.madeAt} from ${live.targets.map((t) => `${t.role} (${t.server})`).join(', ')}: ` +
      `${changed} read-only quer${changed === 1 ? 'y' : 'ies'}, nothing changed`,
  );
  lines.push('');
  lines.push(bold('Route from the current state'));

  const decidedBy = (step: string): FingerprintEntry[] => live.fingerprint.facts.filter((f) => f.readBy.some((r) => r.startsWith(`${step}.`)));
  for (const entry of live.route) {
    const s = steps.get(entry.step);
    const num = String(s?.number ?? '?').padStart(3);
    const name = entry.step.padEnd(width);
    const stop = live.stoppedAt?.step === entry.step && entry.via === undefined;
    let what: string;
    if (stop) {
      const reason = live.stoppedAt!.reason;
      const label =
        reason === 'confirm' ? `asks for confirmation, then ${s?.impact === 'destructive' ? 'a DESTRUCTIVE change' : 'a change'}` : reason === 'action' ? 'changes something' : reason === 'wait' ? 'waits (polls until its condition holds)' : 'needs a decision';
      what = paint(color, 33, `■ the run would stop being read-only here: it ${label}`);
    } else if (entry.via === 'skip') {
      what = dim('skipped: its when is false');
    } else if (entry.choice) {
      what = `decide → ${entry.choice.next}  "${entry.choice.label}" (policy: the first choice whose when holds)`;
    } else if (s?.kind === 'end') {
      what = `ends: ${s.end?.outcome ?? ''}`;
    } else if (s?.kind === 'check') {
      const facts = (live.facts[entry.step] ?? {}) as Record<string, unknown>;
      const failed = entry.via === 'fail' || entry.via === 'onFail';
      what = `${failed ? paint(color, 31, 'check failed') : 'check ok'}  ${Object.entries(facts).map(([role, rows]) => `${role}: ${short(rows, 90)}`).join('  ')}`;
    } else {
      what = `${s?.kind ?? 'step'}${entry.via ? ` (${entry.via})` : ''}`;
    }
    lines.push(`${num} ${name}  ${what}`);
    const facts = decidedBy(entry.step);
    if (facts.length) lines.push(`${' '.repeat(width + 6)}${dim('because')} ${facts.map((f) => `${f.fact} = ${valueOf(f)}`).join(', ')}`);
    if (stop && s) {
      for (const q of s.queries.filter((x) => x.phase === 'execute')) {
        const text = q.sql ? q.sql.replace(/\s+/g, ' ') : q.azure ? describeAzureCall(q.azure) : '';
        lines.push(`${' '.repeat(width + 6)}next statement on ${q.on.join(', ')}: ${text}`);
      }
      if (s.requires) lines.push(`${' '.repeat(width + 6)}requires (re-checked first): ${s.requires.replace(/\s+/g, ' ')}`);
    }
  }
  lines.push('');
  const outcome = live.outcome === 'stopped' ? paint(color, 33, 'stopped') : live.outcome === 'failed' ? paint(color, 31, 'failed') : paint(color, 32, live.outcome);
  lines.push(`${bold('Result')}: ${outcome}${live.code ? ` [${live.code}]` : ''} — ${live.message}`);
  lines.push('');
  lines.push(`${bold('Fingerprint')} ${live.fingerprint.sha256.slice(0, 16)}…: a run of this plan refuses to start if any of these changed`);
  if (live.fingerprint.facts.length === 0) lines.push(dim('  (the route read no facts)'));
  const fw = Math.max(...live.fingerprint.facts.map((f) => f.fact.length), 0);
  for (const f of live.fingerprint.facts) lines.push(`  ${f.fact.padEnd(fw)}  ${valueOf(f)}  ${dim(`← ${f.readBy.join(', ')}`)}`);
  return lines.join('\n');
}
