/**
 * Bounded CEL evaluation. CEL evaluation is synchronous, so while it runs no signal handler, timer
 * or I/O callback can: an expression that runs for minutes (a backtracking regular expression, a
 * comprehension nested over large facts) would hold Ctrl-C hostage. Two bounds make every
 * evaluation short, so a signal is handled at most one budget after it arrives:
 *
 * - `matches()` runs on RE2 (re2js, linear in the input, the semantics CEL specifies) instead of
 *   the JavaScript RegExp the CEL package uses, which backtracks exponentially;
 * - every node the evaluator enters counts against a wall-clock deadline; past it the evaluation
 *   throws `CelBudgetExceeded`, which callers treat as any other evaluation error.
 */
import { RE2JS } from 're2js';
import type { ASTNode, Environment } from '@marcbachmann/cel-js';

/** Default wall-clock budget of one evaluation. Guards take microseconds; this is a fuse. */
export const CEL_BUDGET_MS = 1_000;

/** Thrown when one evaluation outlives its budget. */
export class CelBudgetExceeded extends Error {
  constructor(readonly budgetMs: number) {
    super(`evaluation exceeded its time budget of ${budgetMs} ms`);
    this.name = 'CelBudgetExceeded';
  }
}

/** The name `matches` is renamed to in parsed programs; the CEL package's own overload cannot be replaced. */
const RE2_MATCHES = 'agmedicRe2Matches';

const compiled = new Map<string, RE2JS>();

/** CEL `matches`: a partial match (RE2 `find`), as the CEL spec defines it. */
export function re2Matches(text: string, pattern: string): boolean {
  let re = compiled.get(pattern);
  if (!re) {
    try {
      re = RE2JS.compile(pattern);
    } catch (err) {
      throw new Error(`invalid regular expression ${JSON.stringify(pattern.slice(0, 80))}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (compiled.size > 1_000) compiled.clear();
    compiled.set(pattern, re);
  }
  return re.matcher(text).find();
}

/** Registers the RE2 `matches` on an evaluation environment. */
export function registerRe2(env: Environment): Environment {
  return env.registerFunction(`string.${RE2_MATCHES}(string): bool`, (s: unknown, p: unknown) => re2Matches(String(s), String(p)));
}

let deadline = Infinity;
let budgetMs = CEL_BUDGET_MS;
let ticks = 0;
let expired = false;

function tick(): void {
  // CEL's quantifiers (`all`, `exists`) absorb errors of their predicates and go on to the next
  // element: once expired, every node must throw so the whole evaluation unwinds quickly.
  if (expired) throw new CelBudgetExceeded(budgetMs);
  // performance.now() on every node would cost more than most nodes; every 256th is enough.
  if ((++ticks & 0xff) === 0 && performance.now() > deadline) {
    expired = true;
    throw new CelBudgetExceeded(budgetMs);
  }
}

type EvaluateFn = (ev: unknown, ast: ASTNode, ctx: unknown) => unknown;

function isNode(v: unknown): v is ASTNode {
  return typeof v === 'object' && v !== null && typeof (v as { op?: unknown }).op === 'string' && 'args' in v && 'start' in v;
}

/**
 * Prepares a freshly parsed program for bounded evaluation: `x.matches(re)` calls go to RE2, and
 * every node checks the deadline when it is evaluated. Walks args, macro expansions and
 * alternates (where comprehensions like `exists` keep their bodies).
 */
export function instrumentProgram(root: ASTNode): void {
  const seen = new Set<object>();
  const visit = (v: unknown): void => {
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) {
      for (const x of v) visit(x);
      return;
    }
    if (isNode(v)) {
      const node = v as ASTNode & { args: unknown; evaluate: EvaluateFn };
      if (node.op === 'rcall' && Array.isArray(node.args) && node.args[0] === 'matches' && Array.isArray(node.args[2]) && node.args[2].length === 1) {
        (node.args as unknown[])[0] = RE2_MATCHES;
      }
      wrapEvaluate(node);
      visit(node.args);
      const meta = (node as unknown as { meta?: Record<string, unknown> }).meta;
      if (meta) for (const k of Object.keys(meta)) visit(meta[k]);
      return;
    }
    // Macro objects and comprehension argument records hold nodes in plain properties.
    for (const k of Object.keys(v)) visit((v as Record<string, unknown>)[k]);
  };
  visit(root);
}

function wrapEvaluate(node: { evaluate: EvaluateFn }): void {
  const proto = Object.getPrototypeOf(node) as { evaluate?: EvaluateFn };
  const first = proto.evaluate;
  if (typeof first !== 'function') return;
  // The package's node picks its real evaluate on the first call and assigns it to the instance;
  // the accessor keeps that choice while every call still passes through the deadline check.
  let inner: EvaluateFn | undefined;
  Object.defineProperty(node, 'evaluate', {
    configurable: true,
    get: () =>
      function bounded(this: unknown, ev: unknown, ast: ASTNode, ctx: unknown): unknown {
        tick();
        return (inner ?? first).call(node, ev, ast, ctx);
      },
    set: (fn: EvaluateFn) => {
      inner = fn;
    },
  });
}

/**
 * Runs `evaluate` under a deadline of `ms` milliseconds. Re-entrant calls keep the outer deadline.
 *
 * @example
 * withBudget(() => program(values), 1_000);
 */
export function withBudget<T>(evaluate: () => T, ms: number = CEL_BUDGET_MS): T {
  if (deadline !== Infinity) return evaluate();
  deadline = performance.now() + ms;
  budgetMs = ms;
  ticks = 0;
  expired = false;
  try {
    const value = evaluate();
    // A quantifier may have absorbed the budget error and produced a value after all: not trusted.
    if (expired) throw new CelBudgetExceeded(ms);
    return value;
  } finally {
    deadline = Infinity;
    expired = false;
  }
}
