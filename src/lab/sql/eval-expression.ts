import type { SqlValue } from '../engine-types.js';
import { runSelect, type SelectRuntime } from './run-select.js';
import { isWord, type Token } from './tokenize.js';
import type { ExecContext } from './types.js';

const synth = (like: Token | undefined, type: Token['type'], text: string): Token => ({
  type, text, value: type === 'word' ? text.toUpperCase() : text, line: like?.line ?? 1, start: like?.start ?? 0, end: like?.start ?? 0,
});

/**
 * Scalar expressions (DECLARE initialisers, SET @v, PRINT, RAISERROR arguments) and IF/WHILE
 * conditions run as one-row SELECTs, so they share the SELECT stage's names, functions and errors.
 * The token arrays are built once per statement: the SELECT stage caches translations by array.
 */
export function expressionEvaluator(rt: SelectRuntime, tokens: Token[]): (ctx: ExecContext) => SqlValue {
  const select = [synth(tokens[0], 'word', 'SELECT'), ...tokens];
  return (ctx) => runSelect(rt, select, ctx, ctx.bound).rows[0]?.[0] ?? null;
}

/** `[NOT] EXISTS (subquery)` alone runs the subquery itself; other conditions run as CASE WHEN. */
export function conditionEvaluator(rt: SelectRuntime, cond: Token[]): (ctx: ExecContext) => boolean {
  const not = isWord(cond[0], 'NOT') ? 1 : 0;
  if (isWord(cond[not], 'EXISTS') && cond[not + 1]?.value === '(' && cond[cond.length - 1]?.value === ')' && closes(cond, not + 1) === cond.length - 1) {
    const inner = cond.slice(not + 2, -1);
    return (ctx) => (runSelect(rt, inner, ctx, ctx.bound).rows.length > 0) !== (not === 1);
  }
  const c = cond[0];
  const expr = [synth(c, 'word', 'CASE'), synth(c, 'word', 'WHEN'), ...cond, synth(c, 'word', 'THEN'), synth(c, 'number', '1'), synth(c, 'word', 'ELSE'), synth(c, 'number', '0'), synth(c, 'word', 'END')];
  const evaluate = expressionEvaluator(rt, expr);
  return (ctx) => Number(evaluate(ctx)) === 1;
}

function closes(tokens: Token[], open: number): number {
  let depth = 0;
  for (let k = open; k < tokens.length; k++) {
    if (tokens[k]!.type !== 'op') continue;
    if (tokens[k]!.value === '(') depth++;
    else if (tokens[k]!.value === ')' && --depth === 0) return k;
  }
  return -1;
}
