/**
 * Rules × facts → findings. A rule whose condition cannot be evaluated on these facts (an index
 * past the end of an empty list, say) does not match; the error is kept for `--json`.
 */
import { evaluatePreparedCel as runCel, prepareCelContext, type PreparedCelContext as CelFacts } from '../compile/cel.js';
import { SEVERITY_RANK, type Finding, type PairFacts, type Rule, type RunbookCall } from './types.js';

const INTERPOLATION = /\{\{([\s\S]*?)\}\}/g;

export interface RuleEvaluation {
  findings: Finding[];
  /** Rules that failed to evaluate on these facts: id → message. */
  errors: Record<string, string>;
}

function display(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 100) / 100);
  if (Array.isArray(v)) return v.map(display).join(', ');
  if (typeof v === 'object' && !(v instanceof Date)) return JSON.stringify(v);
  return v instanceof Date ? v.toISOString() : String(v);
}

function interpolate(text: string, ctx: CelFacts): string {
  return text
    .replace(INTERPOLATION, (_m, expr: string) => {
      try {
        return display(runCel(expr, ctx));
      } catch {
        return '?';
      }
    })
    .replace(/\s+/g, ' ')
    .trim();
}

/** POSIX shell single quotes when needed, so a printed command pastes as is. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function runbookCall(rule: Rule, ctx: CelFacts, facts: PairFacts): RunbookCall | undefined {
  if (!rule.runbook) return undefined;
  const params: Record<string, string> = {};
  const missing: RunbookCall['missing'] = [];
  const args: string[] = [];
  for (const [name, p] of Object.entries(rule.runbook.params)) {
    let value: string;
    if (p.kind === 'choose') {
      value = `<${p.values.join('|')}>`;
      missing.push({ name, hint: `one of ${p.values.join(', ')}` });
    } else if (p.kind === 'ask') {
      value = `<${name}>`;
      missing.push({ name, hint: p.hint });
    } else {
      try {
        value = display(runCel(p.expr, ctx));
      } catch {
        value = '';
      }
      // A fact that could not be read (a side unreachable, say) is not guessed at.
      if (value === '') {
        value = `<${name}>`;
        missing.push({ name, hint: 'not read from the servers: find it yourself' });
      }
    }
    params[name] = value;
    args.push('-p', shellQuote(`${name}=${value}`));
  }
  const head = ['agmedic', 'run', rule.runbook.name];
  if (facts.targetsFile) head.push('-t', shellQuote(facts.targetsFile));
  if (facts.pair) head.push('--pair', shellQuote(facts.pair));
  return { runbook: rule.runbook.name, params, missing, ...(missing.length ? {} : { command: [...head, ...args].join(' ') }) };
}

/**
 * Evaluates every rule on one link's facts. Findings superseded by another matching rule (its
 * `supersedes` list) are kept, demoted to `info` with `explainedBy`, so the one root cause leads.
 *
 * @example
 * const { findings } = evaluateRules(rules, facts);
 * findings.filter((f) => f.severity !== 'info'); // what needs action
 */
export function evaluateRules(rules: readonly Rule[], facts: PairFacts): RuleEvaluation {
  const ctx = prepareCelContext({ facts });
  const findings: Finding[] = [];
  const errors: Record<string, string> = {};
  for (const rule of rules) {
    let matched: unknown;
    try {
      matched = runCel(rule.when.expr, ctx);
    } catch (err) {
      errors[rule.id] = err instanceof Error ? err.message.split('\n')[0]! : String(err);
      continue;
    }
    if (matched !== true) continue;
    const evidence: Record<string, unknown> = {};
    for (const e of rule.evidence) {
      try {
        evidence[e.label] = runCel(e.expr, ctx);
      } catch {
        evidence[e.label] = null;
      }
    }
    const finding: Finding = {
      rule: rule.id,
      severity: rule.severity,
      ruleSeverity: rule.severity,
      pair: facts.pair,
      link: facts.link,
      title: interpolate(rule.title.text, ctx),
      explanation: interpolate(rule.explanation.text, ctx),
      evidence,
    };
    if (rule.next) finding.next = interpolate(rule.next.text, ctx);
    const call = runbookCall(rule, ctx, facts);
    if (call) finding.runbook = call;
    findings.push(finding);
  }
  const byId = new Map(findings.map((f) => [f.rule, f]));
  const ruleOf = new Map(rules.map((r) => [r.id, r]));
  for (const f of findings) {
    for (const id of ruleOf.get(f.rule)?.supersedes ?? []) {
      const other = byId.get(id);
      if (other && other !== f && other.explainedBy === undefined) {
        other.explainedBy = f.rule;
        other.severity = 'info';
      }
    }
  }
  findings.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
  return { findings, errors };
}
