/**
 * CEL evaluation for the running machine: which variables an expression sees, per field, and the
 * "must hold on every target" rule of `expect`/`until`. A CEL evaluation error counts as false and
 * is reported to the caller, never thrown into xstate.
 */
import { evaluateCel, staticFactNames } from '../../compile/cel.js';
import type { ParamValue } from '../../compile/types.js';

/** What an SQL/Azure query returned, by target role (SQL: rows; Azure: the response body). */
export interface QueryOutput {
  kind: 'sql' | 'azure';
  byRole: Record<string, unknown>;
  /** Set when a resumed destructive step was settled by its verify postcondition. */
  settled?: 'done';
}

/** Fields whose expressions see a query's own result (`rows`, `result`, `target`). */
export const QUERY_FIELDS = new Set(['expect', 'verify.expect', 'until']);

export type CelFailure = (expr: string, err: unknown) => void;

function scopeFor(out: QueryOutput, role: string, params: Record<string, ParamValue>, facts: Record<string, unknown>): Record<string, unknown> {
  const own = out.byRole[role];
  return {
    params,
    facts,
    rows: out.kind === 'sql' ? (own ?? []) : [],
    result: out.kind === 'azure' ? (own ?? {}) : {},
    target: role,
  };
}

const factNames = new Map<string, string[] | null>();

/** The scope with only the facts `expr` reads (all of them when it reads `facts` dynamically). */
function narrowed(expr: string, scope: Record<string, unknown>): Record<string, unknown> {
  const facts = scope.facts as Record<string, unknown> | undefined;
  if (facts === undefined || facts === null || typeof facts !== 'object') return scope;
  let names = factNames.get(expr);
  if (names === undefined) {
    names = staticFactNames(expr) ?? null;
    if (factNames.size > 10_000) factNames.clear();
    factNames.set(expr, names);
  }
  if (names === null) return scope;
  const some: Record<string, unknown> = {};
  for (const n of names) if (Object.hasOwn(facts, n)) some[n] = facts[n];
  return { ...scope, facts: some };
}

/** `expr` evaluates to true (a bool), else false; errors go to `onError`. */
export function holds(expr: string, scope: Record<string, unknown>, onError?: CelFailure): boolean {
  try {
    return evaluateCel(expr, narrowed(expr, scope)) === true;
  } catch (err) {
    onError?.(expr, err);
    return false;
  }
}

/** True when `expr` holds for the result of every role the query ran on. */
export function holdsOnEveryTarget(expr: string, out: QueryOutput, params: Record<string, ParamValue>, facts: Record<string, unknown>, onError?: CelFailure): boolean {
  const roles = Object.keys(out.byRole);
  if (roles.length === 0) return false;
  return roles.every((role) => holds(expr, scopeFor(out, role, params, facts), onError));
}

/** A value (bind, show, progress): undefined on error. */
export function valueOf(expr: string, scope: Record<string, unknown>, onError?: CelFailure): unknown {
  try {
    return evaluateCel(expr, narrowed(expr, scope));
  } catch (err) {
    onError?.(expr, err);
    return undefined;
  }
}

/** The first role's scope: progress values of a wait are read from it. */
export function firstRoleScope(out: QueryOutput, params: Record<string, ParamValue>, facts: Record<string, unknown>): Record<string, unknown> {
  const role = Object.keys(out.byRole)[0] ?? '';
  return scopeFor(out, role, params, facts);
}

/** Resolves `{ cel: expr }` leaves of an Azure body. */
export function resolveBody(body: unknown, scope: Record<string, unknown>, onError?: CelFailure): unknown {
  if (Array.isArray(body)) return body.map((b) => resolveBody(b, scope, onError));
  if (body && typeof body === 'object') {
    const rec = body as Record<string, unknown>;
    if (Object.keys(rec).length === 1 && typeof rec.cel === 'string') return valueOf(rec.cel, scope, onError);
    return Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, resolveBody(v, scope, onError)]));
  }
  return body;
}
