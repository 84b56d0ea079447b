import alasql from 'alasql';
import type { ColumnDef, SqlType, SqlValue } from '../engine-types.js';
import { SqlServerError } from '../model/sql-error.js';
import { registerFunctions, withScope } from './functions.js';
import { syntaxError } from './cursor.js';
import { isWord, nameOf, type Token } from './tokenize.js';
import type { ExecContext, Row, ViewDef } from './types.js';
import { DATABASE_SCOPED, VIEWS, tableNameOf } from './views.js';
import { rewriteSelectTokens } from './rewrite-select.js';
import { findTemp } from './temp-store.js';
import { parseTypeSpec, toLabBinary } from './convert.js';

/** Words that can follow a table reference without being its alias. */
const NOT_ALIAS = new Set([
  'WHERE', 'JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'CROSS', 'OUTER', 'ON', 'GROUP', 'ORDER', 'HAVING', 'UNION', 'EXCEPT',
  'INTERSECT', 'WITH', 'OPTION', 'AS', 'APPLY', 'FOR',
]);
/** Keywords of a SELECT; any other bare word is an identifier and is bracketed for alasql (whose lexer splits `database_name`). */
const KEYWORDS = new Set([
  'SELECT', 'DISTINCT', 'ALL', 'TOP', 'PERCENT', 'WITH', 'TIES', 'FROM', 'WHERE', 'AND', 'OR', 'NOT', 'NULL', 'IS', 'IN', 'LIKE', 'ESCAPE',
  'BETWEEN', 'EXISTS', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'AS', 'ON', 'JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'OUTER', 'CROSS',
  'APPLY', 'GROUP', 'BY', 'ORDER', 'ASC', 'DESC', 'HAVING', 'UNION', 'EXCEPT', 'INTERSECT', 'OFFSET', 'ROWS', 'ROW', 'FETCH', 'NEXT',
  'FIRST', 'ONLY', 'ANY', 'SOME', 'INTO', 'VALUES', 'OVER', 'PARTITION', 'COLLATE', 'CURRENT_TIMESTAMP', 'OPTION',
]);
const SYSVARS: Record<string, string> = { servername: 'LAB_SERVERNAME()', version: 'LAB_VERSION()', spid: 'LAB_SPID()', trancount: 'LAB_TRANCOUNT()' };

const RENAMED_FUNCTIONS: Record<string, string> = { LEFT: 'LAB_LEFT', RIGHT: 'LAB_RIGHT', MAX: 'LAB_MAX', MIN: 'LAB_MIN' };

/** Whether the OVER clause opening at `open` orders its rows (alasql would ignore the order). */
function windowOrder(tokens: Token[], open: number): boolean {
  let depth = 0;
  for (let j = open; j < tokens.length; j++) {
    const v = tokens[j]!;
    if (v.type === 'op' && v.value === '(') depth++;
    else if (v.type === 'op' && v.value === ')' && --depth === 0) return false;
    else if (depth === 1 && isWord(v, 'ORDER')) return true;
  }
  return false;
}

interface Translated {
  sql: string;
  params: Record<string, unknown>;
  views: ViewDef[];
  aliases: Map<string, ViewDef>;
}

/** A token that can end an expression: a word right after one is a column alias (`SELECT name n`). */
function endsExpression(t: Token | undefined): boolean {
  if (!t) return false;
  if (t.type === 'op') return t.value === ')';
  if (t.type === 'word') return !KEYWORDS.has(t.value) || t.value === 'END' || t.value === 'NULL';
  return true;
}

/**
 * Resolves a dotted name to a view; `undefined` when it is not an object reference at all (e.g.
 * `ag.name`). Database-scoped catalog views (sys.certificates, sys.symmetric_keys) hold rows in
 * master only: the lab's user databases have no certificates or keys.
 */
function resolveObject(parts: string[], database: string): { view?: ViewDef; display: string } | undefined {
  const p = parts.map((x) => x.toLowerCase());
  const display = parts.join('.');
  let db = database.toLowerCase();
  let name: string | undefined;
  if (p.length === 3) {
    db = p[0]!;
    const schema = p[1] === '' ? 'dbo' : p[1];
    name = schema === 'sys' ? `sys.${p[2]}` : db === 'msdb' && schema === 'dbo' ? `msdb.dbo.${p[2]}` : `?.${schema}.${p[2]}`;
  } else if (p.length === 2 && p[0] === 'sys') name = `sys.${p[1]}`;
  else if (p.length === 2 && p[0] === 'dbo') name = db === 'msdb' ? `msdb.dbo.${p[1]}` : `?.dbo.${p[1]}`;
  else if (p.length === 1) name = db === 'msdb' ? `msdb.dbo.${p[0]}` : `?.dbo.${p[0]}`;
  else return undefined;
  if (DATABASE_SCOPED.has(name) && db !== 'master') name = `${name}#user`;
  return { view: VIEWS.get(name), display };
}

function paramValue(v: SqlValue | undefined): unknown {
  return v instanceof Uint8Array ? toLabBinary(v) : v;
}

/**
 * Rewrites T-SQL SELECT tokens into alasql: views become table names, literals and variables become
 * parameters (values never enter the SQL text), `AS 'x'` becomes `AS [x]`, `@@SERVERNAME` a function,
 * identifiers are bracketed, unknown columns are error 207 and unknown qualifiers 4104 as on SQL Server.
 */
function translate(raw: Token[], ctx: ExecContext, bound: Map<string, SqlValue>): Translated {
  const tokens = rewriteSelectTokens(raw);
  const out: string[] = [];
  const params: Record<string, unknown> = {};
  const views: ViewDef[] = [];
  const aliases = new Map<string, ViewDef>();
  const pending: { alias: string; col: string }[] = [];
  const bare: { at: number; text: string }[] = [];
  const outputAliases = new Set<string>();
  // Column references to re-spell as the catalog does (identifiers are case-insensitive under the
  // instance's CI collation; alasql's are not). A bare select item keeps the typed spelling as its name.
  const spellings: { at: number; text: string; qualifier?: string; item: boolean }[] = [];
  let depth = 0;
  let literal = 0;
  let fromList = false;
  /** `=`/`<>` whose operands may be strings compare under the CI collation (`==`, slower); others stay `===`. */
  const equalities: { at: number; neg: boolean; sides: number[] }[] = [];
  /** Top-level ORDER BY items that are a bare column: token index and output index. */
  const orderItems: { token: number; at: number }[] = [];
  let inOrderBy = false;
  const noteOrder = (k: number): void => {
    if (!inOrderBy || depth !== 0) return;
    const before = tokens[tokens[k - 1]?.value === '.' ? k - 3 : k - 1];
    const after = tokens[k + 1];
    if (!(isWord(before, 'BY') || before?.value === ',')) return;
    if (after && !(after.value === ',' || isWord(after, 'ASC', 'DESC', 'OPTION'))) return;
    orderItems.push({ token: k, at: out.length });
  };
  /** Emits a table reference ending at token `j` and its alias; returns the last token index consumed. */
  const emitTable = (view: ViewDef, j: number, defaultAlias: string): number => {
    const table = tableNameOf(view);
    if (!views.includes(view)) views.push(view);
    out.push(table);
    let a = j + 1;
    if (isWord(tokens[a], 'AS')) a++;
    const aliasTok = tokens[a];
    const alias = aliasTok && (aliasTok.type === 'ident' || (aliasTok.type === 'word' && !NOT_ALIAS.has(aliasTok.value))) ? aliasTok : undefined;
    const aliasName = alias ? (alias.type === 'ident' ? alias.value : alias.text) : undefined;
    aliases.set((aliasName ?? defaultAlias).toLowerCase(), view);
    aliases.set(table, view);
    if (!alias) return j;
    out.push(`[${aliasName}]`);
    return a;
  };
  const itemStart = (j: number): boolean => isWord(tokens[j], 'SELECT', 'DISTINCT') || tokens[j]?.value === ',' || (tokens[j]?.type === 'number' && isWord(tokens[j - 1], 'TOP'));
  const itemEnd = (j: number): boolean => tokens[j] === undefined || tokens[j]!.value === ',' || isWord(tokens[j], 'FROM', 'WHERE', 'ORDER', 'GROUP', 'UNION');
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.type === 'op' && t.value === '(') depth++;
    else if (t.type === 'op' && t.value === ')') depth--;
    if (depth === 0 && isWord(t, 'BY') && isWord(tokens[k - 1], 'ORDER')) inOrderBy = true;
    else if (depth === 0 && isWord(t, 'OPTION', 'UNION', 'EXCEPT', 'INTERSECT', 'OFFSET', 'FOR')) inOrderBy = false;
    if (isWord(t, 'FROM', 'JOIN')) fromList = true;
    else if (isWord(t, 'WHERE', 'GROUP', 'ORDER', 'HAVING', 'UNION', 'SELECT', 'ON', 'OPTION')) fromList = false;
    const tableSlot = isWord(tokens[k - 1], 'FROM', 'JOIN') || (fromList && tokens[k - 1]?.value === ',');
    // Temporary tables and table variables of the session (temp-store.ts).
    const tempName = t.type === 'var' && tableSlot ? t.text : t.type === 'word' && t.text.startsWith('#') && tableSlot ? t.text
      : (t.type === 'word' || t.type === 'ident') && tableSlot && tokens[k + 1]?.value === '.' && tokens[k + 2]?.value === '.' && (tokens[k + 3]?.text ?? '').startsWith('#') ? tokens[k + 3]!.text : undefined;
    if (tempName !== undefined) {
      const temp = findTemp(ctx.session, tempName);
      if (!temp) {
        if (t.type === 'var') throw new SqlServerError(1087, `Must declare the table variable "${t.text}".`, 15, 2);
        throw new SqlServerError(208, `Invalid object name '${tempName}'.`);
      }
      if (t.type === 'word' && !t.text.startsWith('#')) k += 3;
      k = emitTable(temp.view, k, tempName.replace(/^[@#]+/, ''));
      continue;
    }
    // `alias.*` names no object.
    const dotted = (t.type === 'word' || t.type === 'ident') && tokens[k + 1]?.value === '.' && tokens[k + 2]?.value !== '*';
    const single = (t.type === 'ident' || (t.type === 'word' && !KEYWORDS.has(t.value))) && !dotted && tokens[k + 1]?.value !== '(' && isWord(tokens[k - 1], 'FROM', 'JOIN');
    if (dotted || single) {
      const parts = [t.type === 'ident' ? t.value : t.text];
      let j = k;
      while (tokens[j + 1]?.value === '.' && (tokens[j + 2]?.type === 'word' || tokens[j + 2]?.type === 'ident' || tokens[j + 2]?.value === '.')) {
        if (tokens[j + 2]?.value === '.') {
          parts.push('');
          j += 1;
          continue;
        }
        const n = tokens[j + 2]!;
        parts.push(n.type === 'ident' ? n.value : n.text);
        j += 2;
      }
      const obj = parts.length === 2 && !single && parts[0]!.toLowerCase() !== 'sys' && parts[0]!.toLowerCase() !== 'dbo' ? undefined : resolveObject(parts, ctx.session.database);
      if (obj) {
        if (!obj.view) throw new SqlServerError(208, `Invalid object name '${obj.display}'.`);
        k = emitTable(obj.view, j, parts[parts.length - 1]!);
        continue;
      }
      if (parts.length === 2 && parts[1] !== '') pending.push({ alias: parts[0]!.toLowerCase(), col: parts[1]! });
    }
    switch (t.type) {
      case 'ident':
        if (tokens[k - 1]?.value === '.' && tokens[k + 1]?.value !== '.') {
          spellings.push({ at: out.length, text: t.value, qualifier: nameOf(tokens[k - 2])?.toLowerCase(), item: depth === 0 && itemStart(k - 3) && itemEnd(k + 1) });
        } else if (tokens[k + 1]?.value !== '.' && !isWord(tokens[k - 1], 'AS') && tokens[k + 1]?.value !== '(') {
          spellings.push({ at: out.length, text: t.value, item: depth === 0 && itemStart(k - 1) && itemEnd(k + 1) });
        }
        if (isWord(tokens[k - 1], 'AS') || (endsExpression(tokens[k - 1]) && tokens[k + 1]?.value !== '.' && tokens[k - 1]?.value !== '.')) outputAliases.add(t.value.toLowerCase());
        if (tokens[k + 1]?.value !== '.') noteOrder(k);
        out.push(`[${t.value.replace(/]/g, ']]')}]`);
        break;
      case 'string':
        if (isWord(tokens[k - 1], 'AS')) {
          outputAliases.add(t.value.toLowerCase());
          out.push(`[${t.value.replace(/]/g, ']]')}]`);
        } else {
          const name = `__lit${literal++}`;
          params[name] = t.value;
          out.push(`$${name}`);
        }
        break;
      case 'binary': {
        const name = `__lit${literal++}`;
        params[name] = toLabBinary(Uint8Array.from(Buffer.from(t.value.length % 2 ? `0${t.value}` : t.value, 'hex')));
        out.push(`$${name}`);
        break;
      }
      case 'var': {
        const declared = ctx.vars.get(t.value);
        if (!declared && !bound.has(t.value)) throw new SqlServerError(137, `Must declare the scalar variable "${t.text}".`, 15, 2);
        params[`v_${t.value}`] = paramValue(declared ? declared.value : bound.get(t.value));
        out.push(`$v_${t.value}`);
        break;
      }
      case 'sysvar': {
        const f = SYSVARS[t.value];
        if (!f) throw new SqlServerError(137, `Must declare the scalar variable "${t.text}".`, 15, 2);
        out.push(f);
        break;
      }
      case 'word':
        // `TOP (5)` → alasql's `TOP 5`.
        if (t.value === 'TOP' && tokens[k + 1]?.value === '(' && tokens[k + 3]?.value === ')') {
          out.push('TOP', tokens[k + 2]!.text);
          k += 3;
        } else if (t.value === 'WITH' && tokens[k + 1]?.value === '(' && isWord(tokens[k + 2], 'NOLOCK', 'READUNCOMMITTED')) {
          k += 3;
        } else if (tokens[k + 1]?.value === '.' || tokens[k - 1]?.value === '.') {
          // alasql's lexer splits identifiers that start with a keyword (database_id → DATABASE …): bracket them.
          if (tokens[k - 1]?.value === '.' && tokens[k + 1]?.value !== '.') {
            spellings.push({ at: out.length, text: t.text, qualifier: nameOf(tokens[k - 2])?.toLowerCase(), item: depth === 0 && itemStart(k - 3) && itemEnd(k + 1) });
            noteOrder(k);
          }
          out.push(`[${t.text}]`);
        } else if (tokens[k + 1]?.value === '(') {
          // Built-in function names are case-insensitive; alasql's registry is upper-case. Some are
          // keywords to alasql or follow other rules there (LEFT/RIGHT, MIN/MAX on strings): the lab's own.
          if (t.value === 'OVER' && windowOrder(tokens, k + 1)) {
            throw new SqlServerError(40000, 'The lab does not support window functions with ORDER BY (OVER (… ORDER BY …)).', 16);
          }
          out.push(RENAMED_FUNCTIONS[t.value] ?? t.value);
        } else if (KEYWORDS.has(t.value) && !isWord(tokens[k - 1], 'AS')) {
          out.push(t.text);
        } else {
          if (isWord(tokens[k - 1], 'AS') || endsExpression(tokens[k - 1])) outputAliases.add(t.text.toLowerCase());
          else {
            bare.push({ at: out.length, text: t.text });
            noteOrder(k);
            spellings.push({ at: out.length, text: t.text, item: depth === 0 && itemStart(k - 1) && itemEnd(k + 1) });
          }
          out.push(`[${t.text}]`);
        }
        break;
      case 'op':
        // alasql's `=` is JS `===` on the raw values: dates and varbinary would compare by reference.
        // Its `==` / `!==` call utils.deepEqual, which the lab replaces with the CI collation's equality (functions.ts).
        if (t.value === '=' || t.value === '<>' || t.value === '!=') equalities.push({ at: out.length, neg: t.value !== '=', sides: [k - 1, k + 1] });
        out.push(t.value === '=' ? '===' : t.value === '<>' || t.value === '!=' ? '!===' : t.text);
        break;
      default:
        out.push(t.text);
    }
  }
  for (const { text } of bare) {
    const lower = text.toLowerCase();
    if (!aliases.has(lower) && !outputAliases.has(lower) && !views.some((v) => v.columns.some(([c]) => c.toLowerCase() === lower))) {
      throw new SqlServerError(207, `Invalid column name '${text}'.`);
    }
  }
  const textual = (at: number): boolean => {
    let j = at;
    // The right operand of `a = b.c` starts at the qualifier: its column is the last part.
    while (tokens[j + 1]?.value === '.' && tokens[j + 1]?.type === 'op' && j >= at) j += 2;
    const x = tokens[j];
    if (!x) return false;
    if (x.type === 'string' || x.type === 'var' || x.type === 'sysvar' || (x.type === 'op' && x.value === ')') || isWord(x, 'END')) return true;
    if (x.type !== 'word' && x.type !== 'ident') return false;
    const name = (x.type === 'ident' ? x.value : x.text).toLowerCase();
    const q = tokens[j - 1]?.value === '.' ? nameOf(tokens[j - 2])?.toLowerCase() : undefined;
    const scope = q ? [aliases.get(q)].filter((v): v is ViewDef => v !== undefined) : views;
    const col = scope.flatMap((v) => v.columns).find(([c]) => c.toLowerCase() === name);
    return !col || ['nvarchar', 'varchar', 'char', 'nchar', 'sql_variant'].includes(col[1].name);
  };
  for (const e of equalities) if (e.sides.some(textual)) out[e.at] = e.neg ? '!==' : '==';
  // ORDER BY a character column sorts case-insensitively under the CI collation (alasql's NOCASE).
  for (const o of orderItems) {
    const x = tokens[o.token]!;
    const q = tokens[o.token - 1]?.value === '.' ? nameOf(tokens[o.token - 2])?.toLowerCase() : undefined;
    const scope = q ? [aliases.get(q)].filter((v): v is ViewDef => v !== undefined) : views;
    const col = scope.flatMap((v) => v.columns).find(([c]) => c.toLowerCase() === (nameOf(x) ?? '').toLowerCase());
    if (col && ['nvarchar', 'varchar', 'char', 'nchar'].includes(col[1].name)) out[o.at] = `${out[o.at]} COLLATE NOCASE`;
  }
  for (const sp of spellings) {
    const scope = sp.qualifier ? [aliases.get(sp.qualifier)].filter((v): v is ViewDef => v !== undefined) : views;
    const lower = sp.text.toLowerCase();
    const canonical = scope.flatMap((v) => v.columns).find(([c]) => c.toLowerCase() === lower)?.[0];
    if (canonical !== undefined && canonical !== sp.text) out[sp.at] = `[${canonical}]${sp.item ? ` AS [${sp.text.replace(/]/g, ']]')}]` : ''}`;
  }
  for (const { alias, col } of pending) {
    const view = aliases.get(alias);
    if (!view && !outputAliases.has(alias)) throw new SqlServerError(4104, `The multi-part identifier "${alias}.${col}" could not be bound.`);
    if (view && !view.columns.some(([c]) => c.toLowerCase() === col.toLowerCase())) {
      throw new SqlServerError(207, `Invalid column name '${col}'.`);
    }
  }
  return { sql: out.join(' '), params, views, aliases };
}

/**
 * Translation depends on the tokens and the current database; variable values do not change the
 * SQL text, only the parameter object, which is rebuilt on every run.
 */
function translateCached(rt: SelectRuntime, tokens: Token[], ctx: ExecContext, bound: Map<string, SqlValue>): Translated {
  const perDb = rt.translations.get(tokens);
  const hit = perDb?.get(ctx.session.database);
  if (hit) {
    const params: Record<string, unknown> = { ...hit.params };
    for (const name of hit.vars) {
      const declared = ctx.vars.get(name);
      if (!declared && !bound.has(name)) throw new SqlServerError(137, `Must declare the scalar variable "@${name}".`, 15, 2);
      params[`v_${name}`] = paramValue(declared ? declared.value : bound.get(name));
    }
    return { ...hit, params };
  }
  const tr = translate(tokens, ctx, bound);
  if (tr.views.some((v) => v.temp)) return tr;
  const vars = tokens.filter((t) => t.type === 'var').map((t) => t.value);
  const literals = Object.fromEntries(Object.entries(tr.params).filter(([k]) => k.startsWith('__lit')));
  const map = perDb ?? new Map();
  map.set(ctx.session.database, { ...tr, params: literals, vars });
  rt.translations.set(tokens, map);
  return tr;
}

/** alasql state per engine: its own database, and which model version each view's table holds. */
export interface SelectRuntime {
  db: InstanceType<typeof alasql.Database>;
  loaded: Map<string, number>;
  types: Map<string, { columns: { name: string; source?: SqlType; expression: boolean }[] }>;
  /** Keyed by the statement's token array (plans are cached, so the same array comes back). */
  translations: WeakMap<Token[], Map<string, Translated & { vars: string[] }>>;
}

let counter = 0;
/** CREATE TABLE statements parsed once per process: parsing them costs ~20 ms per engine, and a 100-pair lab has 200. */
let createTables: { execute(databaseid: string, params: object): unknown }[] | undefined;

/**
 * The alasql database is made on the first SELECT that needs it, not when the engine is: `lab up`
 * accepts connections sooner (issue 13), and logins and the lab's own commands never need it.
 */
export function createSelectRuntime(): SelectRuntime {
  let db: InstanceType<typeof alasql.Database> | undefined;
  return {
    get db() {
      return (db ??= createDatabase());
    },
    loaded: new Map(),
    types: new Map(),
    translations: new WeakMap(),
  };
}

function createDatabase(): InstanceType<typeof alasql.Database> {
  registerFunctions();
  const db = new alasql.Database(`lab_${++counter}_${Date.now()}`);
  createTables ??= [...VIEWS.values()].map(
    (view) => (alasql.parse(`CREATE TABLE ${tableNameOf(view)} (${view.columns.map(([c]) => `[${c}]`).join(', ')})`) as unknown as { statements: NonNullable<typeof createTables> }).statements[0]!,
  );
  for (const statement of createTables) statement.execute(db.databaseid, {});
  return db;
}

/**
 * T-SQL compares bit columns with 1/0; alasql compares strictly, so bits live in tables as numbers.
 * varbinary lives there as {@link LabBinary} so `=` compares bytes, not references.
 */
function loadRow(row: Row): Row {
  for (const k in row) {
    const v = row[k];
    if (typeof v === 'boolean') row[k] = v ? 1 : 0;
    else if (v instanceof Uint8Array) row[k] = toLabBinary(v);
  }
  return row;
}

function inferType(v: SqlValue | undefined): SqlType {
  if (typeof v === 'bigint') return { name: 'bigint' };
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? { name: 'int' } : Number.isInteger(v) ? { name: 'bigint' } : { name: 'float' };
  if (typeof v === 'boolean') return { name: 'bit' };
  if (v instanceof Date) return { name: 'datetime2', scale: 7 };
  if (v instanceof Uint8Array) return { name: 'varbinary', length: 'max' };
  if (typeof v === 'string') return { name: 'nvarchar', length: Math.max(1, Math.min(4000, v.length)) > 4000 ? 'max' : 4000 };
  return { name: 'int' };
}

function normalise(v: unknown): SqlValue {
  if (v === undefined || v === null || (typeof v === 'number' && !Number.isFinite(v))) return null;
  if (v instanceof Uint8Array) return v.constructor === Uint8Array ? v : new Uint8Array(v);
  if (v instanceof Date) return v;
  if (typeof v === 'object') return JSON.stringify(v);
  return v as SqlValue;
}

/** Column names and source types from alasql's parse tree, cached by statement text. */
function describe(rt: SelectRuntime, tr: Translated): { name: string; source?: SqlType; expression: boolean }[] {
  const cached = rt.types.get(tr.sql);
  if (cached) return cached.columns;
  type Col = { as?: string; columnid?: string; tableid?: string; funcid?: string; op?: string; args?: { param?: string }[] };
  const ast = alasql.parse(tr.sql) as unknown as { statements: { columns?: Col[] }[] };
  const cols = ast.statements[0]?.columns ?? [];
  const columns = cols.map((c) => {
    const isColumn = c.columnid !== undefined && c.columnid !== '*' && !('funcid' in c) && !('op' in c);
    let source: SqlType | undefined;
    if (isColumn) {
      const views = c.tableid ? [tr.aliases.get(c.tableid.toLowerCase())].filter(Boolean) : tr.views;
      for (const v of views) {
        const hit = v!.columns.find(([n]) => n.toLowerCase() === c.columnid!.toLowerCase());
        if (hit) {
          source = hit[1];
          break;
        }
      }
    }
    // CAST/CONVERT give their target type; DATEDIFF/DATEPART int; DATEADD datetime (its input's type on SQL Server).
    const spec = c.funcid === 'LAB_CAST' ? c.args?.[1]?.param : c.funcid === 'LAB_CONVERT' ? c.args?.[0]?.param : undefined;
    if (spec !== undefined && typeof tr.params[spec] === 'string') source = parseTypeSpec(tr.params[spec] as string).sqlType;
    else if (c.funcid === 'LAB_DATEDIFF' || c.funcid === 'LAB_DATEPART') source = { name: 'int' };
    else if (c.funcid === 'LAB_DATEADD') source = { name: 'datetime' };
    return { name: c.as ?? (isColumn || c.columnid === '*' ? c.columnid! : ''), source, expression: !isColumn && c.as === undefined };
  });
  rt.types.set(tr.sql, { columns });
  return columns;
}

/**
 * Runs one SELECT: materialises only the views it references (once per model version), executes
 * in alasql with parameters, and types the result columns from the view definitions.
 */
export function runSelect(rt: SelectRuntime, tokens: Token[], ctx: ExecContext, bound: Map<string, SqlValue>): { columns: ColumnDef[]; rows: SqlValue[][] } {
  const tr = translateCached(rt, tokens, ctx, bound);
  const viewCtx = { world: ctx.world, inst: ctx.inst, now: ctx.world.now(), database: ctx.session.database };
  for (const view of tr.views) {
    const table = tableNameOf(view);
    if (!view.volatile && !view.currentDatabase && rt.loaded.get(table) === ctx.world.version) continue;
    if (!rt.db.tables[table]) rt.db.exec(`CREATE TABLE ${table} (${view.columns.map(([c]) => `[${c}]`).join(', ')})`);
    const t = rt.db.tables[table] as { data: Row[]; indices: Record<string, unknown> };
    t.data = view.rows(viewCtx).map(loadRow);
    // alasql keeps join indexes per table across executions; new rows make them stale.
    t.indices = {};
    rt.loaded.set(table, ctx.world.version);
  }
  let result: { columns: { columnid: string }[]; data: Record<string, unknown>[] };
  try {
    result = withScope({ world: ctx.world, inst: ctx.inst, session: ctx.session }, () =>
      rt.db.exec(tr.sql.replace(/^\s*SELECT\b/i, 'SELECT RECORDSET'), tr.params),
    ) as typeof result;
  } catch (err) {
    if (err instanceof SqlServerError) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    if (/Parse error/.test(msg)) {
      const got = /got '([^']*)'/.exec(msg)?.[1] ?? '';
      const near = tokens.find((x) => x.value === got.toUpperCase()) ?? tokens[tokens.length - 1];
      throw syntaxError(near);
    }
    const fn = /alasql\.(?:std)?fn\.(\w+) is not a function|Function "?(\w+)"? (?:is not|not) (?:found|defined)/i.exec(msg);
    if (fn) throw new SqlServerError(195, `'${fn[1] ?? fn[2]}' is not a recognized built-in function name.`, 15);
    throw new SqlServerError(8114, `Error evaluating the query: ${msg}`, 16);
  }
  const described = describe(rt, tr);
  // alasql reports every source column for an empty grouped result; the select list is what SQL Server describes.
  const names = result.data.length === 0 && !described.some((x) => x.name === '*') && described.every((x) => x.name !== '')
    ? described.map((x) => x.name)
    : result.columns.map((c) => c.columnid);
  const rows = result.data.map((r) => names.map((n) => normalise(r[n])));
  const columns = names.map((n, i): ColumnDef => {
    const star = described.length !== names.length;
    const d = described.find((x) => x.name === n) ?? (star ? undefined : described[i]);
    const fromView = star && !d ? tr.views.flatMap((v) => v.columns).find(([c]) => c === n)?.[1] : undefined;
    const type = d?.source ?? fromView ?? inferType(rows.find((r) => r[i] !== null)?.[i] ?? undefined);
    if (type.name === 'bit') for (const r of rows) if (typeof r[i] === 'number') r[i] = r[i] !== 0;
    return { name: d?.expression ? '' : n, type, nullable: true };
  });
  return { columns, rows };
}
