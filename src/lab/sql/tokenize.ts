/**
 * A T-SQL tokenizer: the first stage. parse-batch.ts builds the batch tree from its tokens; statements
 * keep their tokens and each command family (and the SELECT translator) reads them.
 */
export type TokenType = 'word' | 'ident' | 'string' | 'number' | 'binary' | 'var' | 'sysvar' | 'op';

export interface Token {
  type: TokenType;
  /** Raw source text. */
  text: string;
  /** word: upper-cased; ident: unquoted name; string: unescaped value; var/sysvar: name without @. */
  value: string;
  line: number;
  start: number;
  end: number;
}

export class TokenizeError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly near: string,
  ) {
    super(message);
  }
}

const WORD = /[A-Za-z_#\u0080-\uffff][A-Za-z0-9_#$@\u0080-\uffff]*/y;
const NUMBER = /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const BINARY = /0x[0-9A-Fa-f]*/y;
const VAR = /@@?[A-Za-z0-9_#$@]+/y;
const OP = /<>|!=|<=|>=|!<|!>|\|\||[-+*/%=<>(),.;~&|^:]/y;

/**
 * @example
 * tokenize("SELECT [a b] FROM sys.databases WHERE name = N'x'").map((t) => t.type)
 */
export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  const push = (type: TokenType, text: string, value: string, start: number): void => {
    out.push({ type, text, value, line, start, end: start + text.length });
  };
  const sticky = (re: RegExp): string | undefined => {
    re.lastIndex = i;
    return re.exec(sql)?.[0];
  };
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      const stop = close < 0 ? sql.length : close + 2;
      for (let k = i; k < stop; k++) if (sql[k] === '\n') line++;
      i = stop;
      continue;
    }
    const start = i;
    if (c === "'" || ((c === 'N' || c === 'n') && sql[i + 1] === "'")) {
      let j = c === "'" ? i + 1 : i + 2;
      let value = '';
      const startLine = line;
      for (;;) {
        if (j >= sql.length) throw new TokenizeError(`Unclosed quotation mark after the character string '${value}'.`, startLine, value);
        const ch = sql[j]!;
        if (ch === "'") {
          if (sql[j + 1] === "'") {
            value += "'";
            j += 2;
            continue;
          }
          j++;
          break;
        }
        if (ch === '\n') line++;
        value += ch;
        j++;
      }
      out.push({ type: 'string', text: sql.slice(start, j), value, line: startLine, start, end: j });
      i = j;
      continue;
    }
    if (c === '[' || c === '"') {
      const close = c === '[' ? ']' : '"';
      let j = i + 1;
      let value = '';
      for (;;) {
        if (j >= sql.length) throw new TokenizeError(`Unclosed quotation mark after the character string '${value}'.`, line, value);
        if (sql[j] === close) {
          if (sql[j + 1] === close) {
            value += close;
            j += 2;
            continue;
          }
          j++;
          break;
        }
        value += sql[j];
        j++;
      }
      push('ident', sql.slice(start, j), value, start);
      i = j;
      continue;
    }
    let m: string | undefined;
    if ((m = sticky(BINARY))) push('binary', m, m.slice(2), start);
    else if ((m = sticky(NUMBER))) push('number', m, m, start);
    else if ((m = sticky(VAR))) push(m.startsWith('@@') ? 'sysvar' : 'var', m, m.replace(/^@@?/, '').toLowerCase(), start);
    else if ((m = sticky(WORD))) push('word', m, m.toUpperCase(), start);
    else if ((m = sticky(OP))) push('op', m, m, start);
    else throw new TokenizeError(`Incorrect syntax near '${c}'.`, line, c);
    i += m.length;
  }
  return out;
}

/** True when `t` is the keyword `kw` (case-insensitive, unquoted). */
export function isWord(t: Token | undefined, ...kw: string[]): boolean {
  return t !== undefined && t.type === 'word' && kw.includes(t.value);
}

/** Index of the `)` matching the `(` at `open`, or -1 when the statement ends first. */
export function matchingParen(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let j = open; j < tokens.length; j++) {
    const v = tokens[j]!;
    if (v.type !== 'op') continue;
    if (v.value === '(') depth++;
    else if (v.value === ')' && --depth === 0) return j;
  }
  return -1;
}

/** An identifier token's name: `[x]`, `"x"` or a bare word. */
export function nameOf(t: Token | undefined): string | undefined {
  if (!t) return undefined;
  if (t.type === 'ident') return t.value;
  if (t.type === 'word') return t.text;
  return undefined;
}

export interface Statement {
  tokens: Token[];
  text: string;
  line: number;
}
