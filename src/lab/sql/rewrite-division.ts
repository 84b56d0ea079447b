import { isWord, matchingParen, type Token } from './tokenize.js';

/**
 * T-SQL divides integers as integers (`5/2` is 2) and raises 8134 on a zero divisor; alasql
 * divides as JavaScript does. `a / b` becomes `LAB_DIV(a, b)` (integer division when both values
 * are integers at run time) or, when either operand has a decimal literal or a cast to an
 * approximate/decimal type, `LAB_FDIV(a, b)`. Operands are found by T-SQL's precedence: `*`, `/`
 * and `%` bind tighter than `+`/`-` and associate left.
 */
const NOT_FUNCTION = new Set(['AND', 'OR', 'NOT', 'WHEN', 'THEN', 'ELSE', 'IN', 'EXISTS', 'SELECT', 'ON', 'WHERE', 'BY', 'AS', 'IS', 'LIKE', 'CASE', 'END', 'HAVING', 'RETURN', 'FROM', 'TOP']);
const DECIMAL_TYPE = /^(float|real|decimal|numeric|money|smallmoney)/i;

function synth(like: Token, type: Token['type'], text: string): Token {
  return { type, text, value: type === 'word' ? text.toUpperCase() : text, line: like.line, start: like.start, end: like.start };
}

function matchBack(out: Token[], close: number): number {
  let depth = 0;
  for (let j = close; j >= 0; j--) {
    const v = out[j]!;
    if (v.type !== 'op') continue;
    if (v.value === ')') depth++;
    else if (v.value === '(' && --depth === 0) return j;
  }
  return -1;
}


/** Start index in `out` of the multiplicative term that ends at `end`. */
function termStart(out: Token[], end: number): number {
  let j = end;
  const t = out[j];
  if (!t) return -1;
  if (t.type === 'op' && t.value === ')') {
    j = matchBack(out, j);
    if (j < 0) return -1;
    const before = out[j - 1];
    if (isWord(before, 'OVER')) return termStart(out, j - 2);
    if (before && (before.type === 'word' && !NOT_FUNCTION.has(before.value))) j -= 1;
  } else if (t.type === 'op') return -1;
  while (out[j - 1]?.value === '.' && out[j - 1]?.type === 'op') j -= 2;
  const op = out[j - 1];
  if (op?.type === 'op' && (op.value === '*' || op.value === '%')) return termStart(out, j - 2);
  return j;
}

/** End index (inclusive) in `tokens` of the primary that starts at `from`. */
function primaryEnd(tokens: Token[], from: number): number {
  const t = tokens[from];
  if (!t) return -1;
  if (t.type === 'op' && (t.value === '-' || t.value === '+')) return primaryEnd(tokens, from + 1);
  if (t.type === 'op' && t.value === '(') return matchingParen(tokens, from);
  if (t.type === 'op') return -1;
  let j = from;
  while (tokens[j + 1]?.value === '.' && tokens[j + 1]?.type === 'op') j += 2;
  if (tokens[j + 1]?.value === '(' && t.type === 'word') {
    j = matchingParen(tokens, j + 1);
    if (isWord(tokens[j + 1], 'OVER') && tokens[j + 2]?.value === '(') j = matchingParen(tokens, j + 2);
  }
  return j;
}

const decimal = (ts: Token[]): boolean =>
  ts.some((x) => (x.type === 'number' && /[.eE]/.test(x.text)) || (x.type === 'string' && DECIMAL_TYPE.test(x.value) && ts.some((y) => y.value === 'LAB_CAST' || y.value === 'LAB_CONVERT')));

export function rewriteDivision(tokens: Token[]): Token[] {
  if (!tokens.some((t) => t.type === 'op' && t.value === '/')) return tokens;
  const out: Token[] = [];
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (!(t.type === 'op' && t.value === '/')) {
      out.push(t);
      continue;
    }
    const start = termStart(out, out.length - 1);
    const end = primaryEnd(tokens, k + 1);
    if (start < 0 || end < 0) {
      out.push(t);
      continue;
    }
    const left = out.splice(start);
    const right = rewriteDivision(tokens.slice(k + 1, end + 1));
    const fn = decimal(left) || decimal(right) ? 'LAB_FDIV' : 'LAB_DIV';
    out.push(synth(t, 'word', fn), synth(t, 'op', '('), ...left, synth(t, 'op', ','), ...right, synth(t, 'op', ')'));
    k = end;
  }
  return out;
}
