import { syntaxError } from './cursor.js';
import { SqlServerError } from '../model/sql-error.js';
import { rewriteDivision } from './rewrite-division.js';
import { isWord, matchingParen, type Token } from './tokenize.js';

/**
 * Token rewrites that turn T-SQL's special-syntax functions into plain calls alasql can parse, so
 * that SQL Server's semantics (convert.ts) apply instead of alasql's:
 * `CAST(x AS varchar(30))` → `LAB_CAST(x, 'varchar(30)')`, `CONVERT(varchar(8), d, 108)` →
 * `LAB_CONVERT('varchar(8)', d, 108)`, `DATEDIFF(SECOND, a, b)` → `LAB_DATEDIFF('SECOND', a, b)`.
 */
const NOW_FUNCTIONS = new Set(['GETDATE', 'GETUTCDATE', 'SYSDATETIME', 'SYSUTCDATETIME']);
const DATE_FUNCTIONS: Record<string, string> = { DATEDIFF: 'LAB_DATEDIFF', DATEDIFF_BIG: 'LAB_DATEDIFF', DATEADD: 'LAB_DATEADD', DATEPART: 'LAB_DATEPART' };

function synth(like: Token, type: Token['type'], text: string, value = text): Token {
  return { type, text, value, line: like.line, start: like.start, end: like.start };
}

/** Index of the `)` matching the `(` at `open`. */
function matching(tokens: Token[], open: number): number {
  const close = matchingParen(tokens, open);
  if (close < 0) throw syntaxError(tokens[tokens.length - 1]);
  return close;
}

/** Positions of top-level commas between `from` and `to` (exclusive). */
function topLevel(tokens: Token[], from: number, to: number, test: (t: Token) => boolean): number[] {
  const at: number[] = [];
  let depth = 0;
  for (let j = from; j < to; j++) {
    const v = tokens[j]!;
    if (v.type === 'op' && v.value === '(') depth++;
    else if (v.type === 'op' && v.value === ')') depth--;
    else if (depth === 0 && test(v)) at.push(j);
  }
  return at;
}

const typeText = (tokens: Token[]): string => tokens.map((t) => (t.type === 'ident' ? t.value : t.text)).join('');

/**
 * @example
 * rewriteSelectTokens(tokenize("SELECT CAST(1 AS varchar(5))")).map((t) => t.text).join(' ')
 * // "SELECT LAB_CAST ( 1 , 'varchar(5)' )"
 */
export function rewriteSelectTokens(tokens: Token[]): Token[] {
  return rewriteDivision(rewriteSpecialCalls(aliasAssignments(crossApplySqlText(dropHints(tokens)))));
}

/**
 * `CROSS|OUTER APPLY sys.dm_exec_sql_text(expr) alias` → `[INNER|LEFT] JOIN sys.dm_exec_sql_text
 * alias ON alias.sql_handle = (expr)`: the function returns at most one row per handle. Other
 * APPLYs are refused (Msg 40000) rather than answered wrongly.
 */
function crossApplySqlText(tokens: Token[]): Token[] {
  if (!tokens.some((t) => isWord(t, 'APPLY'))) return tokens;
  const out: Token[] = [];
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (!(isWord(t, 'CROSS', 'OUTER') && isWord(tokens[k + 1], 'APPLY'))) {
      out.push(t);
      continue;
    }
    const name: string[] = [];
    let j = k + 2;
    while (tokens[j] && tokens[j]!.value !== '(') name.push(tokens[j++]!.text);
    if (name.join('').toLowerCase() !== 'sys.dm_exec_sql_text' || !tokens[j]) {
      throw new SqlServerError(40000, `The lab supports APPLY only with sys.dm_exec_sql_text; ${name.join('') || 'a derived table'} is not supported.`, 16);
    }
    const close = matching(tokens, j);
    const arg = tokens.slice(j + 1, close);
    let a = close + 1;
    if (isWord(tokens[a], 'AS')) a++;
    const alias = tokens[a];
    if (!alias || (alias.type !== 'word' && alias.type !== 'ident')) throw syntaxError(alias ?? tokens[close]);
    out.push(synth(t, 'word', t.value === 'CROSS' ? 'INNER' : 'LEFT', t.value === 'CROSS' ? 'INNER' : 'LEFT'), synth(t, 'word', 'JOIN', 'JOIN'));
    out.push(synth(t, 'word', 'sys', 'SYS'), synth(t, 'op', '.'), synth(t, 'word', 'dm_exec_sql_text', 'DM_EXEC_SQL_TEXT'), alias);
    out.push(synth(t, 'word', 'ON', 'ON'), alias, synth(t, 'op', '.'), synth(t, 'word', 'sql_handle', 'SQL_HANDLE'), synth(t, 'op', '='), synth(t, 'op', '('), ...arg, synth(t, 'op', ')'));
    k = a;
  }
  return out;
}

/**
 * `SELECT name = expr` is T-SQL for `SELECT expr AS name` (alasql knows only the latter). Only the
 * outer select list is rewritten; `@var = expr` stays a variable assignment.
 */
function aliasAssignments(tokens: Token[]): Token[] {
  if (!isWord(tokens[0], 'SELECT')) return tokens;
  let from = 1;
  if (isWord(tokens[from], 'DISTINCT', 'ALL')) from++;
  if (isWord(tokens[from], 'TOP')) from += tokens[from + 1]?.value === '(' ? matching(tokens, from + 1) - from + 1 : 2;
  const end = topLevel(tokens, from, tokens.length, (x) => isWord(x, 'FROM', 'INTO', 'WHERE', 'GROUP', 'ORDER', 'UNION', 'EXCEPT', 'INTERSECT', 'OPTION'))[0] ?? tokens.length;
  const commas = topLevel(tokens, from, end, (x) => x.type === 'op' && x.value === ',');
  const starts = [from, ...commas.map((c) => c + 1)];
  const ends = [...commas, end];
  if (!starts.some((st) => (tokens[st]?.type === 'word' || tokens[st]?.type === 'ident' || tokens[st]?.type === 'string') && tokens[st + 1]?.type === 'op' && tokens[st + 1]?.value === '=')) return tokens;
  const out: Token[] = tokens.slice(0, from);
  starts.forEach((st, i) => {
    const item = tokens.slice(st, ends[i]);
    const name = item[0]!;
    if ((name.type === 'word' || name.type === 'ident' || name.type === 'string') && item[1]?.type === 'op' && item[1].value === '=' && item.length > 2) {
      const alias: Token = { ...name, type: 'ident', value: name.type === 'word' ? name.text : name.value, text: `[${(name.type === 'word' ? name.text : name.value).replace(/]/g, ']]')}]` };
      out.push(...item.slice(2), synth(name, 'word', 'AS', 'AS'), alias);
    } else out.push(...item);
    if (i < commas.length) out.push(tokens[commas[i]!]!);
  });
  out.push(...tokens.slice(end));
  return out;
}

/** Table hints SQL Server accepts in `WITH (…)` after a table; they change locking, not answers. */
const TABLE_HINTS = new Set(['NOLOCK', 'READUNCOMMITTED', 'READCOMMITTED', 'READPAST', 'ROWLOCK', 'PAGLOCK', 'TABLOCK', 'TABLOCKX', 'HOLDLOCK', 'NOWAIT', 'UPDLOCK', 'XLOCK', 'SERIALIZABLE', 'REPEATABLEREAD', 'INDEX', 'FORCESEEK', 'FORCESCAN', 'NOEXPAND', 'SNAPSHOT', 'READCOMMITTEDLOCK']);

/**
 * Query hints (`OPTION (RECOMPILE)`, `OPTION (MAXDOP 1)`) and table hints change plans and locks,
 * never results; the lab has neither, so they are accepted and dropped.
 */
function dropHints(tokens: Token[]): Token[] {
  const out: Token[] = [];
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    const open = tokens[k + 1];
    if (open?.type === 'op' && open.value === '(' && (isWord(t, 'OPTION') || (isWord(t, 'WITH') && tokens[k + 2]?.type === 'word' && TABLE_HINTS.has(tokens[k + 2]!.value)))) {
      k = matching(tokens, k + 1);
      continue;
    }
    if (isWord(t, 'COLLATE')) {
      // Comparisons already follow the instance's CI collation; a case- or binary-sensitive one would change answers.
      const name = tokens[k + 1];
      if (name && /_(CS|BIN2?)(_|$)/i.test(name.text)) throw new SqlServerError(40000, `The lab compares strings only as SQL_Latin1_General_CP1_CI_AS does; COLLATE ${name.text} is not supported.`, 16);
      k += 1;
      continue;
    }
    out.push(t);
  }
  return out;
}

function rewriteSpecialCalls(tokens: Token[]): Token[] {
  const out: Token[] = [];
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    const open = tokens[k + 1];
    const call = t.type === 'word' && open?.type === 'op' && open.value === '(' && tokens[k - 1]?.value !== '.';
    if (call && (t.value === 'CAST' || t.value === 'TRY_CAST')) {
      const close = matching(tokens, k + 1);
      const as = topLevel(tokens, k + 2, close, (x) => isWord(x, 'AS'));
      const at = as[as.length - 1];
      if (at === undefined || at === k + 2 || at + 1 >= close) throw syntaxError(tokens[at ?? close]);
      out.push(synth(t, 'word', 'LAB_CAST', 'LAB_CAST'), open, ...rewriteSpecialCalls(tokens.slice(k + 2, at)), synth(t, 'op', ','));
      out.push(synth(t, 'string', `'${typeText(tokens.slice(at + 1, close))}'`, typeText(tokens.slice(at + 1, close))), tokens[close]!);
      k = close;
      continue;
    }
    if (call && (t.value === 'CONVERT' || t.value === 'TRY_CONVERT')) {
      const close = matching(tokens, k + 1);
      const commas = topLevel(tokens, k + 2, close, (x) => x.type === 'op' && x.value === ',');
      if (commas.length < 1 || commas.length > 2 || commas[0] === k + 2) throw syntaxError(tokens[commas[0] ?? close]);
      const spec = typeText(tokens.slice(k + 2, commas[0]));
      const exprEnd = commas[1] ?? close;
      out.push(synth(t, 'word', 'LAB_CONVERT', 'LAB_CONVERT'), open, synth(t, 'string', `'${spec}'`, spec), synth(t, 'op', ','));
      out.push(...rewriteSpecialCalls(tokens.slice(commas[0]! + 1, exprEnd)), synth(t, 'op', ','));
      out.push(...(commas[1] !== undefined ? rewriteSpecialCalls(tokens.slice(commas[1] + 1, close)) : [synth(t, 'word', 'NULL', 'NULL')]), tokens[close]!);
      k = close;
      continue;
    }
    // `GETDATE() - 30`: datetime arithmetic in days (JavaScript would make it NaN).
    if (call && NOW_FUNCTIONS.has(t.value) && tokens[k + 2]?.value === ')' && (tokens[k + 3]?.value === '-' || tokens[k + 3]?.value === '+') && tokens[k + 3]?.type === 'op' && tokens[k + 4]?.type === 'number') {
      const n = tokens[k + 4]!;
      out.push(synth(t, 'word', 'LAB_DATEADD', 'LAB_DATEADD'), synth(t, 'op', '('), synth(t, 'string', "'day'", 'day'), synth(t, 'op', ','));
      if (tokens[k + 3]!.value === '-') out.push(synth(t, 'op', '-'));
      out.push(n, synth(t, 'op', ','), t, tokens[k + 1]!, tokens[k + 2]!, synth(t, 'op', ')'));
      k += 4;
      continue;
    }
    const dateFn = call ? DATE_FUNCTIONS[t.value] : undefined;
    if (dateFn) {
      const part = tokens[k + 2];
      if (!part || part.type !== 'word' || tokens[k + 3]?.value !== ',') throw syntaxError(part ?? t);
      out.push(synth(t, 'word', dateFn, dateFn), open!, synth(part, 'string', `'${part.text}'`, part.text));
      k += 2;
      continue;
    }
    out.push(t);
  }
  return out;
}
