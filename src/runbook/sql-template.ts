/**
 * SQL templates: the ONLY way agmedic produces SQL text.
 *
 * Values travel as bound driver parameters (`@name`); T-SQL cannot take a parameter where it
 * wants a name (`ALTER AVAILABILITY GROUP [x]`) or, in some DDL, a string literal
 * (`CREATE CERTIFICATE … WITH SUBJECT = '…'`). Those two holes are filled by `{{ident NAME}}`
 * and `{{literal NAME}}`, and only through {@link quoteIdentifier} / {@link quoteLiteral}.
 * Nothing else is ever spliced into SQL.
 */
import { AgmedicError } from '../errors.js';
import type { ParsedSqlTemplate, SqlTemplatePart, SqlTemplateProblem } from './types.js';

/** sysname is nvarchar(128): 128 UTF-16 code units. */
export const MAX_IDENTIFIER_LENGTH = 128;
/** The longest nvarchar literal SQL Server keeps without switching to nvarchar(max) semantics. */
export const MAX_LITERAL_LENGTH = 4000;

const PLACEHOLDER = /^\s*(ident|literal)\s+([A-Za-z_][A-Za-z0-9_]*)\s*$/;
/** T-SQL regular identifier characters; `@name` and keywords are read with these. */
const WORD = /[\p{L}_#][\p{L}\p{N}_#$@]*/uy;
const VARIABLE = /@([\p{L}\p{N}_#$]+)/uy;
/** A DECLARE list ends at `;` or at the next statement, which T-SQL does not require `;` before. */
const STATEMENT_KEYWORDS = new Set([
  'SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'IF', 'WHILE', 'BEGIN', 'END', 'SET', 'EXEC',
  'EXECUTE', 'ALTER', 'CREATE', 'DROP', 'RETURN', 'PRINT', 'DECLARE', 'BACKUP', 'RESTORE', 'RAISERROR',
  'THROW', 'WAITFOR', 'USE', 'GRANT', 'REVOKE', 'DENY', 'TRUNCATE', 'OPEN', 'FETCH', 'CLOSE', 'DEALLOCATE',
]);

/** Shows at most 40 characters of a value, escaped, so a hostile value cannot flood or forge output. */
export function preview(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

/**
 * Why `name` cannot be a SQL Server identifier, or undefined when it can.
 *
 * @example
 * identifierProblem('AG_Sales') // undefined
 * identifierProblem('')         // 'an identifier must not be empty'
 */
export function identifierProblem(name: string): string | undefined {
  if (typeof name !== 'string') return 'an identifier must be a string';
  if (name.length === 0) return 'an identifier must not be empty';
  if (name.length > MAX_IDENTIFIER_LENGTH) {
    return `an identifier is at most ${MAX_IDENTIFIER_LENGTH} characters (UTF-16 code units), this one has ${name.length}`;
  }
  if (name.includes('\u0000')) return 'an identifier must not contain NUL';
  const control = /[\u0000-\u001f\u007f]/.exec(name);
  if (control) {
    return `an identifier must not contain control characters (U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} at position ${control.index + 1})`;
  }
  if (/^\s+$/u.test(name)) return 'an identifier must not be only whitespace';
  return undefined;
}

/**
 * Quotes a SQL Server identifier with brackets, doubling `]`, after validating it.
 * Throws `BAD_IDENTIFIER` naming the rule broken.
 *
 * @example
 * quoteIdentifier('AG_Sales') // '[AG_Sales]'
 * quoteIdentifier('a]b')      // '[a]]b]'
 */
export function quoteIdentifier(name: string): string {
  const problem = identifierProblem(name);
  if (problem) {
    const shown = typeof name === 'string' ? ` ${preview(name)}` : '';
    throw new AgmedicError('BAD_IDENTIFIER', `refusing identifier${shown}: ${problem}`);
  }
  return `[${name.replaceAll(']', ']]')}]`;
}

/**
 * Why `value` cannot be an N'…' literal, or undefined when it can.
 *
 * @example
 * literalProblem("O'Brien") // undefined
 */
export function literalProblem(value: string): string | undefined {
  if (typeof value !== 'string') return 'a literal must be a string';
  if (value.includes('\u0000')) return 'a literal must not contain NUL';
  if (value.length > MAX_LITERAL_LENGTH) {
    return `a literal is at most ${MAX_LITERAL_LENGTH} characters, this one has ${value.length}`;
  }
  return undefined;
}

/**
 * Quotes a Unicode string literal (`N'…'`, `'` doubled). Only for DDL that cannot take a bound
 * parameter; everything else binds `@name`. Throws `BAD_LITERAL`.
 *
 * @example
 * quoteLiteral("O'Brien") // "N'O''Brien'"
 */
export function quoteLiteral(value: string): string {
  const problem = literalProblem(value);
  if (problem) {
    const shown = typeof value === 'string' ? ` ${preview(value)}` : '';
    throw new AgmedicError('BAD_LITERAL', `refusing literal${shown}: ${problem}`);
  }
  return `N'${value.replaceAll("'", "''")}'`;
}

/** Index just past a quoted run that ends with `close` and escapes it by doubling; -1 if unterminated. */
function skipQuoted(sql: string, from: number, close: string): number {
  let i = from;
  for (;;) {
    const at = sql.indexOf(close, i);
    if (at === -1) return -1;
    if (sql[at + 1] === close) {
      i = at + 2;
      continue;
    }
    return at + 1;
  }
}

/** T-SQL block comments nest. */
function skipBlockComment(sql: string, from: number): number {
  let depth = 1;
  let i = from + 2;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (sql.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return -1;
}

/**
 * Parses a SQL template: finds `{{ident NAME}}` / `{{literal NAME}}` placeholders and the `@name`
 * parameters the driver must bind, skipping string literals, quoted identifiers, comments,
 * `@@GLOBALS` and variables the batch DECLAREs itself. Never throws; problems are collected.
 *
 * @example
 * const t = parseSqlTemplate('ALTER AVAILABILITY GROUP {{ident link}} SET (ROLE = SECONDARY)');
 * t.parts[1] // { kind: 'ident', param: 'link', offset: 25, length: 14 }
 */
export function parseSqlTemplate(sql: string): ParsedSqlTemplate {
  const parts: SqlTemplatePart[] = [];
  const problems: SqlTemplateProblem[] = [];
  const uses: Array<{ name: string; offset: number; length: number }> = [];
  const declared = new Set<string>();
  let textStart = 0;
  let depth = 0;
  let declareDepth = -1; // >= 0 while inside a DECLARE list
  let expectVariable = false;

  const quotedRegion = (start: number, end: number, what: string) => {
    const at = sql.indexOf('{{', start);
    if (at !== -1 && at < end) {
      const closeAt = sql.indexOf('}}', at);
      problems.push({
        code: 'BAD_SQL_TEMPLATE',
        message: `placeholders are not substituted inside ${what}; put {{…}} in plain SQL (a literal is quoted for you)`,
        offset: at,
        length: (closeAt !== -1 && closeAt + 2 <= end ? closeAt + 2 : end) - at,
      });
    }
  };
  const unterminated = (start: number, what: string) => {
    problems.push({ code: 'BAD_SQL_TEMPLATE', message: `unterminated ${what}`, offset: start, length: Math.min(2, sql.length - start) });
  };

  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      const end = nl === -1 ? sql.length : nl;
      quotedRegion(i, end, 'comments');
      i = end;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = skipBlockComment(sql, i);
      if (end === -1) unterminated(i, 'comment /* …');
      quotedRegion(i, end === -1 ? sql.length : end, 'comments');
      i = end === -1 ? sql.length : end;
    } else if (c === "'" || c === '[' || c === '"') {
      const close = c === '[' ? ']' : c;
      const what = c === "'" ? 'string literals' : 'quoted identifiers';
      const end = skipQuoted(sql, i + 1, close);
      if (end === -1) unterminated(i, c === "'" ? 'string literal' : `quoted identifier ${c}…`);
      quotedRegion(i, end === -1 ? sql.length : end, what);
      i = end === -1 ? sql.length : end;
      expectVariable = false;
    } else if (c === '{' && sql[i + 1] === '{') {
      const close = sql.indexOf('}}', i + 2);
      if (close === -1) {
        const nl = sql.indexOf('\n', i);
        problems.push({ code: 'BAD_SQL_TEMPLATE', message: 'unterminated placeholder "{{" (no "}}")', offset: i, length: (nl === -1 ? sql.length : nl) - i });
        i = sql.length;
        continue;
      }
      const inner = sql.slice(i + 2, close);
      const m = PLACEHOLDER.exec(inner);
      if (m) {
        if (i > textStart) parts.push({ kind: 'text', text: sql.slice(textStart, i) });
        parts.push({ kind: m[1] as 'ident' | 'literal', param: m[2]!, offset: i, length: close + 2 - i });
        textStart = close + 2;
      } else {
        problems.push({ code: 'BAD_SQL_TEMPLATE', message: unknownPlaceholderMessage(inner), offset: i, length: close + 2 - i });
      }
      i = close + 2;
      expectVariable = false;
    } else if (c === '@') {
      if (sql[i + 1] === '@') {
        // @@SERVERNAME, @@ROWCOUNT…: system functions, never bound
        WORD.lastIndex = i + 2;
        const w = WORD.exec(sql);
        i = w ? WORD.lastIndex : i + 2;
        continue;
      }
      VARIABLE.lastIndex = i;
      const v = VARIABLE.exec(sql);
      if (!v) {
        i++;
        continue;
      }
      if (expectVariable) declared.add(v[1]!.toLowerCase());
      else uses.push({ name: v[1]!, offset: i, length: v[0].length });
      expectVariable = false;
      i = VARIABLE.lastIndex;
    } else if (/\s/.test(c)) {
      i++;
    } else {
      WORD.lastIndex = i;
      const w = WORD.exec(sql);
      if (w) {
        const upper = w[0].toUpperCase();
        if (declareDepth >= 0 && depth === declareDepth && STATEMENT_KEYWORDS.has(upper)) declareDepth = -1;
        if (upper === 'DECLARE') {
          declareDepth = depth;
          expectVariable = true;
        } else expectVariable = false;
        i = WORD.lastIndex;
        continue;
      }
      if (c === '(') depth++;
      else if (c === ')') depth = Math.max(0, depth - 1);
      if (c === ';' && depth <= declareDepth) declareDepth = -1;
      expectVariable = c === ',' && declareDepth >= 0 && depth === declareDepth;
      i++;
    }
  }
  if (textStart < sql.length) parts.push({ kind: 'text', text: sql.slice(textStart) });

  const boundAt = uses.filter((u) => !declared.has(u.name.toLowerCase()));
  const boundNames = [...new Set(boundAt.map((u) => u.name))];
  return { text: sql, parts, boundNames, boundAt, problems };
}

function unknownPlaceholderMessage(inner: string): string {
  const shown = preview(`{{${inner}}}`);
  const words = inner.trim().split(/\s+/);
  const kind = words[0]?.toLowerCase() ?? '';
  let hint = '';
  if (words.length === 1 && /^[A-Za-z_]\w*$/.test(kind)) hint = `; did you mean {{ident ${words[0]}}} or {{literal ${words[0]}}}?`;
  else if (kind.startsWith('ident') || kind === 'name') hint = `; did you mean {{ident ${words[1] ?? 'NAME'}}}?`;
  else if (kind.startsWith('lit') || kind === 'string') hint = `; did you mean {{literal ${words[1] ?? 'NAME'}}}?`;
  return `unknown placeholder ${shown}: only {{ident NAME}} and {{literal NAME}} exist (values are bound as @name)${hint}`;
}

/**
 * Renders a parsed template, substituting placeholders only through {@link quoteIdentifier} and
 * {@link quoteLiteral}; `@name` parameters are left for the driver to bind.
 * Throws `BAD_SQL_TEMPLATE` (template has problems), `MISSING_PARAM`, `BAD_IDENTIFIER`, `BAD_LITERAL`.
 *
 * @example
 * renderSqlTemplate(parseSqlTemplate('DROP AVAILABILITY GROUP {{ident link}}'), { link: 'a]b' })
 * // 'DROP AVAILABILITY GROUP [a]]b]'
 */
export function renderSqlTemplate(t: ParsedSqlTemplate, values: Record<string, string>): string {
  const first = t.problems[0];
  if (first) throw new AgmedicError('BAD_SQL_TEMPLATE', first.message, { details: { offset: first.offset } });
  let out = '';
  for (const part of t.parts) {
    if (part.kind === 'text') {
      out += part.text;
      continue;
    }
    if (!Object.prototype.hasOwnProperty.call(values, part.param)) {
      throw new AgmedicError('MISSING_PARAM', `no value for parameter "${part.param}" used by {{${part.kind} ${part.param}}}`);
    }
    const value = values[part.param]!;
    out += part.kind === 'ident' ? quoteIdentifier(value) : quoteLiteral(value);
  }
  return out;
}
