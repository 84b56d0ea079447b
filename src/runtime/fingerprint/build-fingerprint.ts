/**
 * Which facts the route of a live plan depended on, declared by the runbook itself: every fact
 * read by a condition that was evaluated on the route — `when` of each step entered, `expect` of
 * each check that ran, the `when` of decide choices (the unattended policy), and the `requires` and `bind` values of the step where the plan stops. Evidence shown
 * at a confirmation (`show`: LSN gaps, commit times) is deliberately not part of it: those values
 * move while the operator reads the plan, and the run re-reads them before asking anyway.
 */
import { createHash } from 'node:crypto';
import { evaluateCel } from '../../compile/cel.js';
import type { ParamValue } from '../../compile/types.js';
import { canonicalJson } from '../../runbook/canonical.js';
import type { Runbook, Step } from '../../runbook/schema.js';
import { factReads } from './fact-reads.js';
import type { FingerprintEntry, PlanFingerprint, RouteFacts } from './types.js';

/** A condition on the route and where it is in the runbook. */
export interface RouteCondition {
  expr: string;
  readBy: string;
  /** For query fields: the step whose `rows`/`result` the expression sees, and on which roles. */
  query?: { step: string; roles: string[] };
}

const onRoles = (q: { on: string | string[] }): string[] => (typeof q.on === 'string' ? [q.on] : q.on);

/**
 * The conditions the route evaluated (see the module comment).
 *
 * @example
 * routeConditions(runbook, { route: [{ step: 'roles', via: 'next' }, { step: 'not_split', via: 'skip' }], facts })
 * // [{ expr: 'rows.size() == 1', readBy: 'roles.expect', query: … }, { expr: '!(facts.roles…', readBy: 'not_split.when' }]
 */
export function routeConditions(runbook: Runbook, result: RouteFacts): RouteCondition[] {
  const byId = new Map<string, Step>(runbook.steps.map((s) => [s.id, s]));
  const out: RouteCondition[] = [];
  const entries = [...result.route];
  if (result.stoppedAt && !entries.some((e) => e.step === result.stoppedAt!.step)) entries.push({ step: result.stoppedAt.step });
  const done = new Set<string>();
  for (const entry of entries) {
    const s = byId.get(entry.step);
    // A step entered twice (a loop) decides with the same expressions; listing them once is enough.
    if (!s || done.has(s.id)) continue;
    done.add(s.id);
    if (s.when) out.push({ expr: s.when, readBy: `${s.id}.when` });
    if (entry.via === 'skip') continue;
    if (s.check?.expect) out.push({ expr: s.check.expect, readBy: `${s.id}.expect`, query: { step: s.id, roles: onRoles(s.check) } });
    // A wait's `until` is not a route decision: the run polls until it holds (or times out) whatever
    // it read at plan time, and what it watches moves by design (seconds since the last commit,
    // bytes left to seed) — fingerprinting it would make every such plan stale at once.
    s.decide?.choices.forEach((c, i) => {
      if (c.when) out.push({ expr: c.when, readBy: `${s.id}.choices[${i}].when` });
    });
    if (result.stoppedAt?.step === s.id) {
      if (s.requires) out.push({ expr: s.requires, readBy: `${s.id}.requires` });
      for (const [field, q] of [['action', s.action], ['verify', s.verify]] as const) {
        for (const [name, expr] of Object.entries(q?.bind ?? {})) out.push({ expr, readBy: `${s.id}.${field}.bind.${name}` });
      }
    }
  }
  return out;
}

/** Evaluates one read against facts; `unavailable` when it cannot be read. */
export function readFact(expr: string, facts: Readonly<Record<string, unknown>>, params: Readonly<Record<string, ParamValue>>): { value?: unknown; unavailable?: true } {
  try {
    return { value: toJson(evaluateCel(expr, { facts, params })) };
  } catch {
    return { unavailable: true };
  }
}

/**
 * The fingerprint of a live plan: every fact the route's conditions read, with its value now.
 *
 * @example
 * const fp = buildFingerprint(runbook, checkResult, values);
 * fp.facts[0] // { fact: 'facts.roles.sqlserver[0].role', value: 'PRIMARY', readBy: ['not_split.when', …] }
 */
export function buildFingerprint(runbook: Runbook, result: RouteFacts, params: Readonly<Record<string, ParamValue>>): PlanFingerprint {
  const entries = new Map<string, FingerprintEntry>();
  for (const c of routeConditions(runbook, result)) {
    const reads = c.query ? c.query.roles.flatMap((role) => factReads(c.expr, { step: c.query!.step, role })) : factReads(c.expr);
    for (const r of reads) {
      const known = entries.get(r.expr);
      if (known) {
        if (!known.readBy.includes(c.readBy)) known.readBy.push(c.readBy);
        continue;
      }
      entries.set(r.expr, { fact: r.expr, ...readFact(r.expr, result.facts, params), readBy: [c.readBy] });
    }
  }
  const facts = [...entries.values()];
  return { sha256: fingerprintHash(facts), facts };
}

/** sha256 over facts and values only (not `readBy`, which explains and does not decide). */
export function fingerprintHash(facts: readonly FingerprintEntry[]): string {
  const pairs = facts.map((f) => [f.fact, f.unavailable ? { unavailable: true } : (f.value ?? null)]);
  return createHash('sha256').update(canonicalJson(pairs), 'utf8').digest('hex');
}

/** CEL results → JSON: times as ISO strings, big integers and bytes as strings. */
export function toJson(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return `0x${Buffer.from(v).toString('hex')}`;
  if (Array.isArray(v)) return v.map(toJson);
  if (typeof v === 'object') {
    if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), toJson(x)]));
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]));
  }
  return v;
}
