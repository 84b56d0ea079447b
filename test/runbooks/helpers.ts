/**
 * Helpers for the shipped-runbook tests: read every runbook in runbooks/, walk its CEL and SQL,
 * and evaluate conditions against hand-written facts (routing checks without a lab).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse as parseCel } from '@marcbachmann/cel-js';
import { evaluateCel } from '../../src/compile/cel.js';
import { findPackageRoot } from '../../src/runbook/read-runbook.js';
import { loadRunbook } from '../../src/runbook/load-runbook.js';
import type { Runbook, Step } from '../../src/runbook/schema.js';

export const RUNBOOKS_DIR = join(findPackageRoot(import.meta.url), 'runbooks');

export interface ShippedRunbook {
  file: string;
  name: string;
  text: string;
  runbook: Runbook;
}

export function shippedFiles(): string[] {
  return readdirSync(RUNBOOKS_DIR)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();
}

export function readShipped(file: string): ShippedRunbook {
  const text = readFileSync(join(RUNBOOKS_DIR, file), 'utf8');
  // The loader the CLI uses, so the tests read a runbook exactly as `agmedic run` does.
  const loaded = loadRunbook({ name: file, text });
  if (!loaded.runbook) throw new Error(`${file}: ${loaded.diagnostics.map((d) => `${d.code} ${d.message}`).join('; ')}`);
  return { file, name: basename(file).replace(/\.ya?ml$/, ''), text, runbook: loaded.runbook };
}

export function step(rb: Runbook, id: string): Step {
  const s = rb.steps.find((x) => x.id === id);
  if (!s) throw new Error(`no step ${id} in ${rb.metadata.name}`);
  return s;
}

/** Every CEL expression of a runbook with a label saying where it is. */
export function celExpressions(rb: Runbook): Array<{ where: string; expr: string }> {
  const out: Array<{ where: string; expr: string }> = [];
  const add = (where: string, expr: string | undefined) => {
    if (expr !== undefined) out.push({ where, expr });
  };
  const body = (where: string, v: unknown) => {
    if (Array.isArray(v)) v.forEach((x, i) => body(`${where}[${i}]`, x));
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.cel === 'string' && Object.keys(o).length === 1) add(where, o.cel);
      else for (const [k, x] of Object.entries(o)) body(`${where}.${k}`, x);
    }
  };
  for (const s of rb.steps) {
    const at = `step ${s.id}`;
    add(`${at}.when`, s.when);
    add(`${at}.requires`, s.requires);
    add(`${at}.check.expect`, s.check?.expect);
    add(`${at}.verify.expect`, s.verify?.expect);
    add(`${at}.wait.until`, s.wait?.until);
    add(`${at}.wait.progress.value`, s.wait?.progress?.value);
    add(`${at}.wait.progress.total`, s.wait?.progress?.total);
    for (const q of [s.check, s.action, s.verify, s.wait]) {
      for (const [k, v] of Object.entries(q?.bind ?? {})) add(`${at}.bind.${k}`, v);
      if (q?.azure?.body !== undefined) body(`${at}.azure.body`, q.azure.body);
    }
    for (const [k, v] of Object.entries(s.confirm?.show ?? {})) add(`${at}.confirm.show.${k}`, v);
    s.decide?.choices.forEach((c, i) => add(`${at}.decide.choices[${i}].when`, c.when));
  }
  return out;
}

/** Every SQL text of a runbook with its step id. */
export function sqlTexts(rb: Runbook): Array<{ step: string; part: string; sql: string }> {
  const out: Array<{ step: string; part: string; sql: string }> = [];
  for (const s of rb.steps) {
    for (const part of ['check', 'action', 'verify', 'wait'] as const) {
      const sql = s[part]?.sql;
      if (sql !== undefined) out.push({ step: s.id, part, sql });
    }
  }
  return out;
}

export function celSyntaxError(expr: string): string | undefined {
  try {
    parseCel(expr);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message.split('\n')[0] : String(err);
  }
}

/**
 * Evaluates a CEL expression exactly as the runtime does (the compiler's `evaluateCel`): integral
 * JS numbers become CEL ints, other numbers doubles, parameters keep their runbook types
 * (durations are strings).
 */
export function evalCel(
  expr: string,
  ctx: { params?: Record<string, unknown>; facts?: unknown; rows?: unknown; result?: unknown; target?: string },
): unknown {
  const vars: Record<string, unknown> = { params: ctx.params ?? {}, facts: ctx.facts ?? {} };
  if (ctx.rows !== undefined) vars.rows = ctx.rows;
  if (ctx.result !== undefined) vars.result = ctx.result;
  if (ctx.target !== undefined) vars.target = ctx.target;
  return evaluateCel(expr, vars);
}

/** Parameter values with each parameter's default applied. */
export function withDefaults(rb: Runbook, given: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(rb.parameters)) {
    if ('default' in p && p.default !== undefined) out[name] = p.default;
  }
  return { ...out, ...given };
}

/**
 * Walks the runbook from the top with fixed facts, following `when` (skip), `next` and, for a
 * decide step, the first choice whose `when` holds; stops at the first action, wait, end, or a
 * decide without a policy choice. For checks, assumes `expect` held. Returns the visited ids.
 */
export function walk(rb: Runbook, ctx: { params: Record<string, unknown>; facts: unknown }, from?: string): string[] {
  const ids = rb.steps.map((s) => s.id);
  const visited: string[] = [];
  let i = from === undefined ? 0 : ids.indexOf(from);
  for (let guard = 0; guard < 200 && i >= 0 && i < rb.steps.length; guard++) {
    const s = rb.steps[i]!;
    if (s.when !== undefined && evalCel(s.when, ctx) !== true) {
      i++;
      continue;
    }
    visited.push(s.id);
    if (s.end || s.action || s.wait) return visited;
    if (s.decide) {
      const choice = s.decide.choices.find((c) => c.when !== undefined && evalCel(c.when, ctx) === true);
      if (!choice) return visited;
      i = ids.indexOf(choice.next);
      continue;
    }
    i = s.next !== undefined ? ids.indexOf(s.next) : i + 1;
  }
  return visited;
}
