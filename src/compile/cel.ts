/**
 * The one place agmedic touches CEL. Expressions are parsed and type-checked by
 * `@marcbachmann/cel-js`; nothing is ever handed to `eval` or `Function`.
 */
import { Environment, ParseError, type ASTNode } from '@marcbachmann/cel-js';
import type { ErrorCode } from '../errors.js';
import type { ParameterType, Runbook } from '../runbook/schema.js';
import { CEL_BUDGET_MS, instrumentProgram, registerRe2, withBudget } from './cel-budget.js';

export { CelBudgetExceeded, CEL_BUDGET_MS } from './cel-budget.js';

/** Which variables an expression sees: `runbook` (params, facts) or a step's query (plus rows, result, target). */
export type CelScope = 'runbook' | 'query';

export interface CelProblem {
  code: Extract<ErrorCode, 'BAD_CEL' | 'CEL_TYPE'>;
  message: string;
  /** Offsets into the expression text. */
  start: number;
  end: number;
}

const CEL_TYPE_OF: Record<ParameterType, string> = {
  identifier: 'string',
  string: 'string',
  enum: 'string',
  duration: 'string',
  int: 'int',
  bool: 'bool',
};

const OPTIONS = { homogeneousAggregateLiterals: false, limits: { maxAstNodes: 5000, maxDepth: 64 } };

/**
 * A CEL environment declaring `params` (typed per parameter), `facts` and, in query scope,
 * `rows`, `result` and `target`. Build once per runbook and scope: environments are costly.
 *
 * @example
 * const env = celEnvironmentFor(runbook, 'query');
 * checkCel('rows.size() == 1', env); // undefined
 */
export function celEnvironmentFor(runbook: Pick<Runbook, 'parameters'>, scope: CelScope): Environment {
  const schema: Record<string, string> = {};
  for (const [name, p] of Object.entries(runbook.parameters)) schema[name] = CEL_TYPE_OF[p.type];
  const env = new Environment(OPTIONS).registerVariable('facts', 'map<string, dyn>');
  // An empty schema would make every `params.x` a type error, hiding the clearer UNKNOWN_PARAM.
  if (Object.keys(schema).length) env.registerVariable({ name: 'params', schema });
  else env.registerVariable('params', 'map<string, dyn>');
  if (scope === 'query') {
    env.registerVariable('rows', 'list<map<string, dyn>>');
    env.registerVariable('result', 'map<string, dyn>');
    env.registerVariable('target', 'string');
  }
  return env;
}

/**
 * Parses and type-checks `expr`. `want` names the type the field needs (`bool` for conditions);
 * `dyn` results are accepted, since facts are only known at run time.
 *
 * @example
 * checkCel('params.link +', env)  // { code: 'BAD_CEL', … }
 * checkCel('1 + "a"', env)        // { code: 'CEL_TYPE', … }
 */
export function checkCel(expr: string, env: Environment, want?: 'bool' | 'number'): CelProblem | undefined {
  let result;
  try {
    result = env.check(expr);
  } catch (err) {
    return toProblem(err, expr);
  }
  if (!result.valid) return toProblem(result.error, expr);
  const type = result.type ?? 'dyn';
  if (want === 'bool' && type !== 'bool' && type !== 'dyn') {
    return { code: 'CEL_TYPE', message: `must be a bool condition, but has type ${type}`, start: 0, end: expr.length };
  }
  if (want === 'number' && !['int', 'uint', 'double', 'dyn'].includes(type)) {
    return { code: 'CEL_TYPE', message: `must be a number, but has type ${type}`, start: 0, end: expr.length };
  }
  return undefined;
}

function toProblem(err: unknown, expr: string): CelProblem {
  const e = err as { summary?: string; message?: string; range?: { start: number; end: number } } | undefined;
  const code = err instanceof ParseError ? 'BAD_CEL' : 'CEL_TYPE';
  const start = e?.range?.start ?? 0;
  return {
    code,
    message: e?.summary ?? e?.message?.split('\n')[0] ?? String(err),
    start,
    end: Math.max(start + 1, e?.range?.end ?? expr.length),
  };
}

const parseCache = new Map<string, ASTNode | null>();
// One environment for every parse: building an Environment registers the standard library again,
// which cost more than the parse itself (cold start of `agmedic plan`).
let parseEnv: Environment | undefined;

/**
 * The parsed AST of `expr` (cached), or undefined when it does not parse. For walks over an
 * expression's structure (which facts it reads); variables need not be declared.
 */
export function parseCelAst(expr: string): ASTNode | undefined {
  return astOf(expr);
}

function astOf(expr: string): ASTNode | undefined {
  let ast = parseCache.get(expr);
  if (ast === undefined) {
    try {
      ast = (parseEnv ??= new Environment({ ...OPTIONS, unlistedVariablesAreDyn: true })).parse(expr).ast;
    } catch {
      ast = null;
    }
    if (parseCache.size > 10_000) parseCache.clear();
    parseCache.set(expr, ast);
  }
  return ast ?? undefined;
}

export interface FactRef {
  step: string;
  role?: string;
  /** Read under `has(…)`, so a missing fact is tolerated. */
  guarded: boolean;
  start: number;
  end: number;
}

/** `x.name` or `x['name']` on top of `base`: the member name, when static. */
function member(node: ASTNode): { base: ASTNode; name: string } | undefined {
  if (node.op === '.' || node.op === '.?') return { base: node.args[0], name: node.args[1] };
  if (node.op === '[]' || node.op === '[?]') {
    const [base, key] = node.args;
    if (key.op === 'value' && typeof key.args === 'string') return { base, name: key.args };
  }
  return undefined;
}

function walk(node: ASTNode, visit: (n: ASTNode, guarded: boolean) => void, guarded = false): void {
  visit(node, guarded);
  const args = node.args as unknown;
  const inHas = node.op === 'call' && (node.args as [string, ASTNode[]])[0] === 'has';
  const children: unknown[] = Array.isArray(args) ? args.flat() : [];
  for (const c of children) {
    if (c && typeof c === 'object' && 'op' in c) walk(c as ASTNode, visit, guarded || inHas);
  }
}

/**
 * Every `facts.<step>[.<role>]` (or `facts['step']…`) an expression reads. Dynamic keys are not
 * resolvable statically and are left out. An unparsable expression yields `[]` (BAD_CEL says why).
 *
 * @example
 * referencedFacts("facts.roles.mi[0].role == 'PRIMARY'") // [{ step: 'roles', role: 'mi', guarded: false, … }]
 */
export function referencedFacts(expr: string): FactRef[] {
  const ast = astOf(expr);
  if (!ast) return [];
  const out: FactRef[] = [];
  const seen = new Set<ASTNode>();
  walk(ast, (node, guarded) => {
    const m = member(node);
    if (!m || seen.has(node) || m.base.op !== 'id' || m.base.args !== 'facts') return;
    seen.add(node);
    out.push({ step: m.name, guarded, start: node.range.start, end: node.range.end });
  });
  // A second pass attaches roles: facts.<step>.<role> is a member of a facts.<step> node.
  walk(ast, (node) => {
    const m = member(node);
    if (!m || !seen.has(m.base)) return;
    const ref = out.find((r) => r.start === m.base.range.start && r.end === m.base.range.end && r.role === undefined);
    if (ref) {
      ref.role = m.name;
      ref.end = node.range.end;
    }
  });
  return out;
}

/**
 * The facts (`facts.<step>`, `facts['step']`) an expression reads, when that is all it does with
 * `facts`; `undefined` when it uses `facts` otherwise (a dynamic key, `size(facts)`, a macro over
 * it) or does not parse. The runtime hands CEL only these facts: converting every fact of a long
 * run for every guard would make each step slower than the last.
 *
 * @example
 * staticFactNames("facts.roles.mi[0].role == 'PRIMARY'") // ['roles']
 * staticFactNames('size(facts) > 2')                      // undefined
 */
export function staticFactNames(expr: string): string[] | undefined {
  const ast = astOf(expr);
  if (!ast) return undefined;
  const names = new Set<string>();
  const bases = new Set<ASTNode>();
  walk(ast, (node) => {
    const m = member(node);
    if (m && m.base.op === 'id' && m.base.args === 'facts') {
      names.add(m.name);
      bases.add(m.base);
    }
  });
  let other = false;
  walk(ast, (node) => {
    if (node.op === 'id' && node.args === 'facts' && !bases.has(node)) other = true;
  });
  // `walk` does not descend into a unary operator's operand (`!facts.x…`): a `facts` it never
  // reached must keep every fact in scope rather than hide the ones that expression reads.
  const mentions = expr.match(/\bfacts\b/g)?.length ?? 0;
  return other || mentions > bases.size ? undefined : [...names];
}

/**
 * Every `params.<name>` an expression reads.
 *
 * @example
 * referencedParams('params.link == "x"') // [{ name: 'link', start: 0, end: 11 }]
 */
export function referencedParams(expr: string): Array<{ name: string; start: number; end: number }> {
  const ast = astOf(expr);
  if (!ast) return [];
  const out: Array<{ name: string; start: number; end: number }> = [];
  walk(ast, (node) => {
    const m = member(node);
    if (m && m.base.op === 'id' && m.base.args === 'params') out.push({ name: m.name, start: node.range.start, end: node.range.end });
  });
  return out;
}

/** JS → CEL: integral numbers become BigInt (CEL ints), Dates stay timestamps, containers recurse. */
export function toCelValue(v: unknown): unknown {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (v === undefined) return null;
  if (v === null || typeof v !== 'object' || v instanceof Date || v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map(toCelValue);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, toCelValue(x)]));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = toCelValue(x);
  return out;
}

/** CEL → JS: BigInt becomes a number when it is exactly representable, Maps become objects. */
export function fromCelValue(v: unknown): unknown {
  if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;
  if (v === null || typeof v !== 'object' || v instanceof Date || v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map(fromCelValue);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), fromCelValue(x)]));
  if (typeof (v as { valueOf(): unknown }).valueOf() !== 'object') return (v as { valueOf(): unknown }).valueOf();
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = fromCelValue(x);
  return out;
}

/** Per set of variable names: the environment, and its parsed programs (parse once, evaluate often). */
const evalEnvs = new Map<string, { env: Environment; programs: Map<string, ReturnType<Environment['parse']>> }>();

/**
 * Evaluates `expr` against plain JS values (the runtime calls this for guards). Variables not
 * given are absent; throws the package's ParseError/EvaluationError on failure.
 *
 * @example
 * evaluateCel('rows[0].n + 1', { rows: [{ n: 41 }] }) // 42
 * evaluateCel('facts.t < timestamp("2030-01-01T00:00:00Z")', { facts: { t: new Date(0) } }) // true
 */
export function evaluateCel(expr: string, context: Record<string, unknown>): unknown {
  return evaluatePreparedCel(expr, prepareCelContext(context));
}

/** A context converted to CEL values once, for many evaluations (every diagnose rule on one link). */
export interface PreparedCelContext {
  readonly names: string;
  readonly values: Record<string, unknown>;
}

export function prepareCelContext(context: Record<string, unknown>): PreparedCelContext {
  const values: Record<string, unknown> = {};
  for (const n of Object.keys(context).sort()) values[n] = toCelValue(context[n]);
  return { names: Object.keys(values).join(','), values };
}

/**
 * {@link evaluateCel} over a {@link prepareCelContext} result.
 *
 * @example
 * const ctx = prepareCelContext({ facts });
 * rules.filter((r) => evaluatePreparedCel(r.when, ctx) === true);
 */
export function evaluatePreparedCel(expr: string, context: PreparedCelContext, budgetMs: number = CEL_BUDGET_MS): unknown {
  let cached = evalEnvs.get(context.names);
  if (!cached) {
    const env = registerRe2(new Environment(OPTIONS));
    for (const n of Object.keys(context.values)) env.registerVariable(n, 'dyn');
    cached = { env, programs: new Map() };
    evalEnvs.set(context.names, cached);
  }
  // A run evaluates the same few guards at every step; parsing dominated their cost.
  let program = cached.programs.get(expr);
  if (!program) {
    program = cached.env.parse(expr);
    instrumentProgram(program.ast);
    if (cached.programs.size > 10_000) cached.programs.clear();
    cached.programs.set(expr, program);
  }
  const run = program;
  // Bounded: a synchronous evaluation blocks signal handlers, so it must end (see cel-budget.ts).
  return fromCelValue(withBudget(() => run(context.values), budgetMs));
}
