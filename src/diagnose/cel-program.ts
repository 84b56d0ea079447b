/**
 * Rules evaluate many times (every rule on every link of a fleet), so each expression is parsed
 * once into a program and the facts are converted to CEL values once per link. Syntax and type
 * checking stay with compile/cel.ts (checkCel); this only runs what that accepted.
 */
import { Environment } from '@marcbachmann/cel-js';
import { fromCelValue, toCelValue } from '../compile/cel.js';

const env = new Environment({ homogeneousAggregateLiterals: false, limits: { maxAstNodes: 5000, maxDepth: 64 } }).registerVariable('facts', 'dyn');
const programs = new Map<string, (ctx: Record<string, unknown>) => unknown>();

/** Facts prepared once for many evaluations. */
export interface CelFacts {
  readonly celContext: Record<string, unknown>;
}

export function prepareFacts(facts: unknown): CelFacts {
  return { celContext: { facts: toCelValue(facts) } };
}

/**
 * Evaluates `expr` over prepared facts; throws the package's errors (a missing key, an index past the end).
 *
 * @example
 * runCel("facts.link == 'SalesLink'", prepareFacts({ link: 'SalesLink' })) // true
 */
export function runCel(expr: string, facts: CelFacts): unknown {
  let program = programs.get(expr);
  if (!program) {
    const parsed = env.parse(expr);
    program = (ctx) => parsed(ctx);
    programs.set(expr, program);
  }
  return fromCelValue(program(facts.celContext));
}
