import type { BatchOutput } from '../engine-types.js';
import { SqlServerError } from '../model/sql-error.js';
import { nameOf, type Statement, type Token } from './tokenize.js';
import type { ExecContext } from './types.js';

/** Runs a parsed statement. Parsing happens for the whole batch first, so a syntax error runs nothing. */
export type Executor = (ctx: ExecContext) => BatchOutput[] | Promise<BatchOutput[]>;
/** Returns an executor when the statement belongs to this command family, else undefined. */
export type CommandParser = (s: Statement) => Executor | undefined;

const RESERVED = new Set([
  'ADD', 'ALL', 'ALTER', 'AND', 'AS', 'BACKUP', 'BEGIN', 'BY', 'CREATE', 'DATABASE', 'DECLARE', 'DELETE', 'DROP', 'EXEC', 'EXECUTE',
  'FROM', 'GROUP', 'INSERT', 'INTO', 'JOIN', 'KEY', 'NOT', 'NULL', 'ON', 'OR', 'ORDER', 'PRINT', 'SELECT', 'SET', 'TABLE', 'TO',
  'UPDATE', 'USE', 'WHERE', 'WITH', 'WAITFOR', 'RECONFIGURE', 'ENDPOINT', 'COMMIT', 'ROLLBACK', 'TRAN', 'TRANSACTION',
]);

/** Error 102 (or 156 near a reserved keyword), as SQL Server reports a statement it cannot parse. */
export function syntaxError(near: Token | undefined): SqlServerError {
  if (!near) return new SqlServerError(102, "Incorrect syntax near ';'.", 15);
  if (near.type === 'word' && RESERVED.has(near.value)) return new SqlServerError(156, `Incorrect syntax near the keyword '${near.text}'.`, 15);
  return new SqlServerError(102, `Incorrect syntax near '${near.type === 'string' ? near.value : near.text}'.`, 15);
}

/** Sequential reader over a statement's tokens with SQL Server-style syntax errors. */
export class Cursor {
  i = 0;
  constructor(readonly tokens: Token[]) {}
  peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }
  done(): boolean {
    return this.i >= this.tokens.length;
  }
  next(): Token {
    const t = this.tokens[this.i];
    if (!t) throw syntaxError(this.tokens[this.tokens.length - 1]);
    this.i++;
    return t;
  }
  /** Consumes the keyword(s) if present. */
  accept(...words: string[]): boolean {
    for (let k = 0; k < words.length; k++) {
      const t = this.peek(k);
      if (!t || !((t.type === 'word' && t.value === words[k]) || (t.type === 'op' && t.value === words[k]))) return false;
    }
    this.i += words.length;
    return true;
  }
  expect(...words: string[]): void {
    for (const w of words) if (!this.accept(w)) throw syntaxError(this.peek() ?? this.tokens[this.tokens.length - 1]);
  }
  name(): string {
    const t = this.next();
    const n = nameOf(t);
    if (n === undefined) throw syntaxError(t);
    return n;
  }
  string(): string {
    const t = this.next();
    if (t.type !== 'string') throw syntaxError(t);
    return t.value;
  }
  number(): number {
    const sign = this.accept('-') ? -1 : 1;
    const t = this.next();
    if (t.type !== 'number') throw syntaxError(t);
    return sign * Number(t.value);
  }
  end(): void {
    if (!this.done()) throw syntaxError(this.peek());
  }
}

export const done = (): BatchOutput[] => [{ kind: 'done' }];
export const info = (number: number, message: string): BatchOutput => ({ kind: 'info', number, state: 1, class: 0, message });
