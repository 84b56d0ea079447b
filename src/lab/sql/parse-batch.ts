import { SqlServerError } from '../model/sql-error.js';
import { syntaxError } from './cursor.js';
import { isWord, type Statement, type Token } from './tokenize.js';

/**
 * The control-flow stage: a batch's tokens become a tree of statements (IF/ELSE, BEGIN…END, WHILE,
 * TRY…CATCH, BREAK/CONTINUE/RETURN) whose leaves are plain statements for the command parsers.
 * T-SQL needs no semicolons, so a plain statement ends at `;`, at a depth-0 keyword that starts a
 * statement, or at the ELSE/END of the block around it.
 */
export type BatchNode =
  | { kind: 'stmt'; s: Statement }
  | { kind: 'block'; body: BatchNode[] }
  | { kind: 'if'; cond: Token[]; then: BatchNode; else?: BatchNode; line: number }
  | { kind: 'while'; cond: Token[]; body: BatchNode; line: number }
  | { kind: 'try'; body: BatchNode[]; handler: BatchNode[] }
  | { kind: 'break' | 'continue' | 'return'; line: number };

/** Keywords that begin a statement when they appear at parenthesis depth 0. */
const STARTERS = new Set([
  'SELECT', 'DECLARE', 'SET', 'USE', 'ALTER', 'DROP', 'CREATE', 'BACKUP', 'EXEC', 'EXECUTE', 'WAITFOR',
  'PRINT', 'RECONFIGURE', 'GO', 'INSERT', 'UPDATE', 'DELETE', 'RESTORE', 'IF', 'BEGIN', 'COMMIT', 'ROLLBACK',
  'DBCC', 'KILL', 'TRUNCATE', 'MERGE', 'WITH', 'GRANT', 'REVOKE', 'DENY', 'RAISERROR', 'THROW', 'WHILE',
  'BREAK', 'CONTINUE', 'RETURN', 'SAVE',
]);
const SET_OPERATORS = new Set(['UNION', 'ALL', 'EXCEPT', 'INTERSECT']);
/** BEGIN followed by these is a statement of its own (transactions), not a block. */
const BEGIN_STATEMENT = new Set(['TRAN', 'TRANSACTION', 'DISTRIBUTED']);

/** SQL Server refuses deeper nesting with Msg 191 before doing any work; so does the lab (issue 14). */
export const MAX_NESTING = 128;

export function checkNesting(tokens: Token[]): void {
  let depth = 0;
  for (const t of tokens) {
    if (t.type !== 'op') continue;
    if (t.value === '(' && ++depth > MAX_NESTING) {
      throw new SqlServerError(191, 'Some part of your SQL statement is nested too deeply. Rewrite the query or break it up into smaller queries.', 15, 1);
    }
    if (t.value === ')') depth--;
  }
}

export function parseBatch(sql: string, tokens: Token[]): BatchNode[] {
  checkNesting(tokens);
  let i = 0;
  const peek = (o = 0): Token | undefined => tokens[i + o];

  /** Tokens of a condition: up to the first depth-0 statement keyword. */
  const condition = (): Token[] => {
    const from = i;
    let depth = 0;
    while (i < tokens.length) {
      const t = tokens[i]!;
      if (t.type === 'op' && t.value === '(') depth++;
      else if (t.type === 'op' && t.value === ')') depth--;
      else if (depth === 0 && t.type === 'word' && STARTERS.has(t.value)) break;
      i++;
    }
    if (i === from || i >= tokens.length) throw syntaxError(tokens[i - 1] ?? tokens[from]);
    return tokens.slice(from, i);
  };

  /** A plain statement: from i to its end. */
  const plain = (): Statement => {
    const from = i;
    let depth = 0;
    let cases = 0;
    while (i < tokens.length) {
      const t = tokens[i]!;
      if (t.type === 'op') {
        if (t.value === '(') depth++;
        else if (t.value === ')') depth--;
        else if (t.value === ';' && depth === 0) break;
      } else if (t.type === 'word' && depth === 0) {
        if (t.value === 'CASE') cases++;
        else if (t.value === 'END' && cases > 0) cases--;
        else if ((t.value === 'END' || t.value === 'ELSE') && cases === 0) break;
        else if (t.value === 'ELSE' || t.value === 'END') {
          // ELSE inside a CASE, or the END that closes it (handled above).
        }
        else if (i > from && STARTERS.has(t.value) && !continues(tokens, from, i)) break;
      } else if (t.type === 'word' && t.value === 'CASE') cases++;
      else if (t.type === 'word' && t.value === 'END' && cases > 0) cases--;
      i++;
    }
    const toks = tokens.slice(from, i);
    return { tokens: toks, text: sql.slice(toks[0]!.start, toks[toks.length - 1]!.end), line: toks[0]!.line };
  };

  const statement = (): BatchNode | undefined => {
    while (peek()?.type === 'op' && peek()!.value === ';') i++;
    const t = peek();
    if (!t) return undefined;
    if (isWord(t, 'GO')) {
      i++;
      return { kind: 'block', body: [] };
    }
    if (isWord(t, 'IF') || isWord(t, 'WHILE')) {
      i++;
      const cond = condition();
      const body = statement();
      if (!body) throw syntaxError(tokens[tokens.length - 1]);
      if (t.value === 'WHILE') return { kind: 'while', cond, body, line: t.line };
      while (peek()?.value === ';' && isWord(peek(1), 'ELSE')) i++;
      if (isWord(peek(), 'ELSE')) {
        i++;
        const alt = statement();
        if (!alt) throw syntaxError(tokens[tokens.length - 1]);
        return { kind: 'if', cond, then: body, else: alt, line: t.line };
      }
      return { kind: 'if', cond, then: body, line: t.line };
    }
    if (isWord(t, 'BEGIN') && isWord(peek(1), 'TRY')) {
      i += 2;
      const body = until('TRY');
      if (!isWord(peek(), 'BEGIN') || !isWord(peek(1), 'CATCH')) throw syntaxError(peek() ?? tokens[tokens.length - 1]);
      i += 2;
      const handler = until('CATCH');
      return { kind: 'try', body, handler };
    }
    if (isWord(t, 'BEGIN') && !BEGIN_STATEMENT.has(peek(1)?.value ?? '') && peek(1)?.type !== undefined) {
      i++;
      return { kind: 'block', body: until() };
    }
    if (isWord(t, 'BREAK', 'CONTINUE', 'RETURN') && !(t.value === 'RETURN' && peek(1) && peek(1)!.type !== 'word' && peek(1)!.value !== ';')) {
      i++;
      return { kind: t.value.toLowerCase() as 'break', line: t.line };
    }
    if (isWord(t, 'ELSE', 'END')) throw syntaxError(t);
    return { kind: 'stmt', s: plain() };
  };

  /** Statements up to `END [word]`. */
  const until = (word?: string): BatchNode[] => {
    const body: BatchNode[] = [];
    for (;;) {
      while (peek()?.type === 'op' && peek()!.value === ';') i++;
      const t = peek();
      if (!t) throw syntaxError(tokens[tokens.length - 1]);
      if (isWord(t, 'END')) {
        i++;
        if (word) {
          if (!isWord(peek(), word)) throw syntaxError(peek() ?? t);
          i++;
        }
        return body;
      }
      const node = statement();
      if (node) body.push(node);
    }
  };

  const out: BatchNode[] = [];
  for (;;) {
    const node = statement();
    if (!node) return out;
    out.push(node);
  }
}

/** Whether the starter keyword at `at` continues the statement that began at `from`. */
function continues(tokens: Token[], from: number, at: number): boolean {
  const t = tokens[at]!;
  const head = tokens[from]!.value;
  const prev = tokens[at - 1]!;
  if (t.value === 'SELECT' && prev.type === 'word' && SET_OPERATORS.has(prev.value)) return true;
  if (t.value === 'SET' && (head === 'ALTER' || head === 'UPDATE')) return true;
  if (t.value === 'WITH' && head !== 'WITH') return true;
  if ((t.value === 'SELECT' || t.value === 'EXEC' || t.value === 'EXECUTE' || t.value === 'WITH') && head === 'INSERT' && !tokens.slice(from, at).some((x) => isWord(x, 'SELECT', 'VALUES', 'EXEC', 'EXECUTE'))) return true;
  if (head === 'WITH' && t.value === 'SELECT' && tokens.slice(from, at).every((x) => x.value !== 'SELECT' || x.type !== 'word' || depthAt(tokens, from, x) > 0)) return true;
  if (head === 'WITH' && (t.value === 'INSERT' || t.value === 'UPDATE' || t.value === 'DELETE')) return !tokens.slice(from, at).some((x) => x.type === 'word' && x.value === 'SELECT' && depthAt(tokens, from, x) === 0);
  if (t.value === 'WITH' && head === 'WITH') return false;
  return false;
}

function depthAt(tokens: Token[], from: number, target: Token): number {
  let depth = 0;
  for (let k = from; k < tokens.length && tokens[k] !== target; k++) {
    if (tokens[k]!.value === '(' && tokens[k]!.type === 'op') depth++;
    if (tokens[k]!.value === ')' && tokens[k]!.type === 'op') depth--;
  }
  return depth;
}
