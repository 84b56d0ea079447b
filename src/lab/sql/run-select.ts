import alasql from 'alasql';
import type { ColumnDef, SqlType, SqlValue } from '../engine-types.js';
import { SqlServerError } from '../model/sql-error.js';
import { registerFunctions, withScope } from './functions.js';
import { syntaxError } from './cursor.js';
import { isWord, type Token } from './tokenize.js';
import type { ExecContext, Row, ViewDef } from './types.js';
import { VIEWS, tableNameOf } from './views.js';

/** Words that can follow a table reference without being its alias. */
const NOT_ALIAS = new Set([
  'WHERE', 'JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'CROSS', 'OUTER', 'ON', 'GROUP', 'ORDER', 'HAVING', 'UNION', 'EXCEPT',
  'INTERSECT', 'WITH', 'OPTION', 'AS', 'APPLY', 'FOR',
]);
const SYSVARS: Record<string, string> = { servername: 'LAB_SERVERNAME()', version: 'LAB_VERSION()', spid: 'LAB_SPID()', trancount: 'LAB_TRANCOUNT()' };

interface Translated {
  sql: string;
  params: Record<string, unknown>;
  views: ViewDef[];
  aliases: Map<string, ViewDef>;
}

/** Resolves a dotted name to a view; `undefined` when it is not an object reference at all (e.g. `ag.name`). */
function resolveObject(parts: string[], database: string): { view?: ViewDef; display: string } | undefined {
  const p = parts.map((x) => x.toLowerCase());
  const display = parts.join('.');
  let name: string | undefined;
  if (p.length === 3) name = p[1] === 'sys' || p[1] === '' ? `sys.${p[2]}` : p[0] === 'msdb' && p[1] === 'dbo' ? `msdb.dbo.${p[2]}` : `${p[0]}.${p[1]}.${p[2]}`;
  else if (p.length === 2 && p[0] === 'sys') name = `sys.${p[1]}`;
  else if (p.length === 2 && p[0] === 'dbo') name = database.toLowerCase() === 'msdb' ? `msdb.dbo.${p[1]}` : `?.dbo.${p[1]}`;
  else return undefined;
  return { view: VIEWS.get(name), display };
}

/**
 * Rewrites T-SQL SELECT tokens into alasql: views become table names, literals and variables become
 * parameters (values never enter the SQL text), `AS 'x'` becomes `AS [x]`, `@@SERVERNAME` a function.
 */
function translate(tokens: Token[], ctx: ExecContext, bound: Map<string, SqlValue>): Translated {
  const out: string[] = [];
  const params: Record<string, unknown> = {};
  const views: ViewDef[] = [];
  const aliases = new Map<string, ViewDef>();
  const pending: { alias: string; col: string }[] = [];
  const bare: { at: number; text: string }[] = [];
  let literal = 0;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    if ((t.type === 'word' || t.type === 'ident') && tokens[k + 1]?.value === '.') {
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
      const obj = resolveObject(parts, ctx.session.database);
      if (obj) {
        if (!obj.view) throw new SqlServerError(208, `Invalid object name '${obj.display}'.`);
        const table = tableNameOf(obj.view);
        if (!views.includes(obj.view)) views.push(obj.view);
        out.push(table);
        let a = j + 1;
        if (isWord(tokens[a], 'AS')) a++;
        const aliasTok = tokens[a];
        const alias = aliasTok && (aliasTok.type === 'ident' || (aliasTok.type === 'word' && !NOT_ALIAS.has(aliasTok.value))) ? aliasTok : undefined;
        const aliasName = alias ? (alias.type === 'ident' ? alias.value : alias.text) : undefined;
        aliases.set((aliasName ?? table).toLowerCase(), obj.view);
        aliases.set(table, obj.view);
        if (alias) {
          out.push(`[${aliasName}]`);
          k = a;
        } else k = j;
        continue;
      }
      if (parts.length === 2 && parts[1] !== '') pending.push({ alias: parts[0]!.toLowerCase(), col: parts[1]! });
    }
    switch (t.type) {
      case 'ident':
        out.push(`[${t.value}]`);
        break;
      case 'string':
        if (isWord(tokens[k - 1], 'AS')) out.push(`[${t.value}]`);
        else {
          const name = `__lit${literal++}`;
          params[name] = t.value;
          out.push(`$${name}`);
        }
        break;
      case 'binary': {
        const name = `__lit${literal++}`;
        params[name] = Uint8Array.from(Buffer.from(t.value.length % 2 ? `0${t.value}` : t.value, 'hex'));
        out.push(`$${name}`);
        break;
      }
      case 'var': {
        const declared = ctx.vars.get(t.value);
        if (!declared && !bound.has(t.value)) throw new SqlServerError(137, `Must declare the scalar variable "${t.text}".`, 15, 2);
        params[`v_${t.value}`] = declared ? declared.value : bound.get(t.value);
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
          out.push(`[${t.text}]`);
        } else if (tokens[k + 1]?.value !== '(') {
          bare.push({ at: out.length, text: t.text });
          out.push(t.text);
        } else out.push(t.text);
        break;
      default:
        out.push(t.text);
    }
  }
  for (const { at, text } of bare) {
    const lower = text.toLowerCase();
    if (aliases.has(lower) || views.some((v) => v.columns.some(([c]) => c === lower))) out[at] = `[${text}]`;
  }
  for (const { alias, col } of pending) {
    const view = aliases.get(alias);
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
      params[`v_${name}`] = declared ? declared.value : bound.get(name);
    }
    return { ...hit, params };
  }
  const tr = translate(tokens, ctx, bound);
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

export function createSelectRuntime(): SelectRuntime {
  registerFunctions();
  const db = new alasql.Database(`lab_${++counter}_${Date.now()}`);
  for (const view of VIEWS.values()) db.exec(`CREATE TABLE ${tableNameOf(view)} (${view.columns.map(([c]) => `[${c}]`).join(', ')})`);
  return { db, loaded: new Map(), types: new Map(), translations: new WeakMap() };
}

/** T-SQL compares bit columns with 1/0; alasql compares strictly, so bits live in tables as numbers. */
function bitsAsNumbers(row: Row): Row {
  for (const k in row) if (typeof row[k] === 'boolean') row[k] = row[k] ? 1 : 0;
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
  if (v instanceof Uint8Array || v instanceof Date) return v;
  if (typeof v === 'object') return JSON.stringify(v);
  return v as SqlValue;
}

/** Column names and source types from alasql's parse tree, cached by statement text. */
function describe(rt: SelectRuntime, tr: Translated): { name: string; source?: SqlType; expression: boolean }[] {
  const cached = rt.types.get(tr.sql);
  if (cached) return cached.columns;
  const ast = alasql.parse(tr.sql) as unknown as { statements: { columns?: { as?: string; columnid?: string; tableid?: string; funcid?: string; op?: string }[] }[] };
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
    return { name: c.as ?? (isColumn ? c.columnid! : ''), source, expression: !isColumn && c.as === undefined };
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
  const viewCtx = { world: ctx.world, inst: ctx.inst, now: ctx.world.now() };
  for (const view of tr.views) {
    const table = tableNameOf(view);
    if (!view.volatile && rt.loaded.get(table) === ctx.world.version) continue;
    const t = rt.db.tables[table] as { data: Row[]; indices: Record<string, unknown> };
    t.data = view.rows(viewCtx).map(bitsAsNumbers);
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
    throw new SqlServerError(8114, `Error evaluating the query: ${msg}`, 16);
  }
  const described = describe(rt, tr);
  const names = result.columns.map((c) => c.columnid);
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
