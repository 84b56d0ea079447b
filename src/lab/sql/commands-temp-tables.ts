import type { BatchOutput, SqlType, SqlValue } from '../engine-types.js';
import { SqlServerError } from '../model/sql-error.js';
import { callProcedure } from './commands-exec.js';
import { parseType } from './commands-session.js';
import { Cursor, syntaxError, type CommandParser, type Executor } from './cursor.js';
import { runSelect, type SelectRuntime } from './run-select.js';
import { createTemp, dropTemp, findTemp, type TempTable } from './temp-store.js';
import { isWord, nameOf, type Statement, type Token } from './tokenize.js';
import type { ExecContext, Row } from './types.js';

/**
 * CREATE TABLE #t, DECLARE @t TABLE, DROP TABLE [IF EXISTS] #t, CREATE INDEX on a temp table (a
 * no-op: the lab has no plans), and INSERT into them from SELECT, VALUES or EXEC. User tables in
 * user databases are not modelled: CREATE/INSERT on them is refused with a clear error.
 *
 * | number | when | confidence |
 * |---|---|---|
 * | 2714 | #table already exists | documented |
 * | 3701 | DROP TABLE of a table that does not exist | documented |
 * | 208 | INSERT into an unknown #table | documented |
 * | 213 | INSERT column count differs from the values | documented |
 * | 208 | INSERT into a permanent table (the lab's databases hold none) | documented |
 * | 40000 | CREATE TABLE of a permanent table (lab refusal) | lab choice |
 */
const notModelled = (what: string): SqlServerError => new SqlServerError(40000, `The lab does not model user tables: ${what} is supported only for #temporary tables and table variables.`, 16);

/** Column definitions `(name type [IDENTITY(s,i)] [NULL|NOT NULL] [constraints…], …)`. */
function columnDefs(c: Cursor): { columns: [string, SqlType][]; identity?: TempTable['identity'] } {
  c.expect('(');
  const columns: [string, SqlType][] = [];
  let identity: TempTable['identity'];
  for (;;) {
    if (c.accept('PRIMARY') || c.accept('CONSTRAINT') || c.accept('INDEX') || c.accept('UNIQUE')) skipToComma(c);
    else {
      const name = c.name();
      const type = parseType(c);
      columns.push([name, type]);
      while (!c.done() && c.peek()!.value !== ',' && c.peek()!.value !== ')') {
        if (c.accept('IDENTITY')) {
          let seed = 1;
          let step = 1;
          if (c.accept('(')) {
            seed = c.number();
            c.expect(',');
            step = c.number();
            c.expect(')');
          }
          identity = { column: name, next: seed, step };
        } else if (c.peek()!.value === '(') skipParens(c);
        else c.next();
      }
    }
    if (c.accept(')')) break;
    c.expect(',');
  }
  return { columns, identity };
}

function skipParens(c: Cursor): void {
  let depth = 0;
  do {
    const t = c.next();
    if (t.value === '(') depth++;
    if (t.value === ')') depth--;
  } while (depth > 0);
}

function skipToComma(c: Cursor): void {
  while (!c.done() && c.peek()!.value !== ',' && c.peek()!.value !== ')') {
    if (c.peek()!.value === '(') skipParens(c);
    else c.next();
  }
}

/** A table name token sequence: `#t`, `@t`, `tempdb..#t`, `dbo.x`. */
function tableName(c: Cursor): string {
  const first = c.next();
  if (first.type === 'var') return first.text;
  let name = nameOf(first);
  if (name === undefined) throw syntaxError(first);
  while (c.accept('.')) name += `.${c.peek()?.value === '.' ? '' : c.name()}`;
  return name.replace(/^tempdb\.+(dbo\.)?/i, '');
}

function coerce(v: SqlValue, type: SqlType): SqlValue {
  if (v === null) return null;
  if (['int', 'bigint', 'smallint', 'tinyint'].includes(type.name) && typeof v !== 'bigint') return Math.trunc(Number(v));
  if (['varchar', 'nvarchar', 'char', 'nchar'].includes(type.name)) {
    const text = v instanceof Date ? v.toISOString() : String(v);
    return typeof type.length === 'number' ? text.slice(0, type.length) : text;
  }
  if (type.name === 'bit') return v === true || Number(v) !== 0;
  return v;
}

function insertRows(table: TempTable, targets: string[] | undefined, values: SqlValue[][]): BatchOutput[] {
  const cols = targets ?? table.columns.map(([n]) => n).filter((n) => n !== table.identity?.column);
  for (const values1 of values) {
    if (values1.length !== cols.length) {
      throw new SqlServerError(213, 'Column name or number of supplied values does not match table definition.', 16);
    }
    const row: Row = {};
    for (const [name] of table.columns) row[name] = null;
    if (table.identity) {
      row[table.identity.column] = table.identity.next;
      table.identity.next += table.identity.step;
    }
    cols.forEach((name, i) => {
      const col = table.columns.find(([n]) => n.toLowerCase() === name.toLowerCase());
      if (!col) throw new SqlServerError(207, `Invalid column name '${name}'.`);
      row[col[0]] = coerce(values1[i] ?? null, col[1]);
    });
    table.rows.push(row);
  }
  return [{ kind: 'done', rowCount: values.length }];
}

export function makeTempTableParser(rt: SelectRuntime): CommandParser {
  const select = (tokens: Token[]): ((ctx: ExecContext) => SqlValue[][]) => (ctx) => runSelect(rt, tokens, ctx, ctx.bound).rows;

  return (s: Statement): Executor | undefined => {
    const c = new Cursor(s.tokens);
    if (c.peek()?.value === 'DECLARE' && c.peek(1)?.type === 'var' && (isWord(c.peek(2), 'TABLE') || (isWord(c.peek(2), 'AS') && isWord(c.peek(3), 'TABLE')))) {
      c.next();
      const name = c.next().text;
      c.accept('AS');
      c.expect('TABLE');
      const defs = columnDefs(c);
      c.end();
      return (ctx) => {
        if (findTemp(ctx.session, name)) throw new SqlServerError(134, `The variable name '${name}' has already been declared. Variable names must be unique within a query batch or stored procedure.`, 15);
        createTemp(ctx.session, name, defs.columns, defs.identity && { ...defs.identity });
        return [];
      };
    }
    if (c.accept('CREATE', 'TABLE')) {
      const name = tableName(c);
      const defs = columnDefs(c);
      while (!c.done()) c.next(); // ON [PRIMARY], WITH (…): storage options
      if (!name.startsWith('#')) throw notModelled('CREATE TABLE');
      return (ctx) => {
        if (findTemp(ctx.session, name)) throw new SqlServerError(2714, `There is already an object named '${name}' in the database.`, 16, 6);
        createTemp(ctx.session, name, defs.columns, defs.identity && { ...defs.identity });
        return [];
      };
    }
    if (c.accept('DROP', 'TABLE')) {
      const ifExists = c.accept('IF', 'EXISTS');
      const names = [tableName(c)];
      while (c.accept(',')) names.push(tableName(c));
      c.end();
      return (ctx) => {
        for (const n of names) {
          if (!dropTemp(ctx.session, n) && !ifExists) throw new SqlServerError(3701, `Cannot drop the table '${n}', because it does not exist or you do not have permission.`, 11, 5);
        }
        return [];
      };
    }
    if (c.peek()?.value === 'CREATE' && s.tokens.some((t) => isWord(t, 'INDEX')) && s.tokens.some((t) => t.type === 'word' && t.text.startsWith('#'))) {
      // Indexes change plans, not answers.
      return () => [];
    }
    if (c.accept('INSERT')) {
      c.accept('INTO');
      const name = tableName(c);
      let targets: string[] | undefined;
      if (c.peek()?.value === '(' && !isWord(c.peek(1), 'SELECT')) {
        c.next();
        targets = [c.name()];
        while (c.accept(',')) targets.push(c.name());
        c.expect(')');
      }
      const rest = s.tokens.slice(c.i);
      const temp = name.startsWith('#') || name.startsWith('@');
      let source: (ctx: ExecContext) => SqlValue[][];
      if (isWord(rest[0], 'SELECT') || isWord(rest[0], 'WITH')) source = select(rest);
      else if (isWord(rest[0], 'VALUES')) {
        const tuples: Token[][] = [];
        const vc = new Cursor(rest.slice(1));
        do {
          const from = vc.i;
          skipParens(vc);
          const inner = rest.slice(1).slice(from + 1, vc.i - 1);
          tuples.push(inner);
        } while (vc.accept(','));
        vc.end();
        const synthSelect: Token = { ...rest[0]!, type: 'word', text: 'SELECT', value: 'SELECT' };
        const runs = tuples.map((tup) => select([synthSelect, ...tup]));
        source = (ctx) => runs.map((r) => r(ctx)[0] ?? []);
      } else if (isWord(rest[0], 'EXEC', 'EXECUTE')) {
        const ec = new Cursor(rest.slice(1));
        const parts = [ec.name()];
        while (ec.accept('.')) parts.push(ec.name());
        const args: { value: SqlValue }[] = [];
        if (!ec.done()) {
          do {
            const t = ec.next();
            args.push({ value: t.type === 'number' ? Number(t.value) : t.type === 'string' ? t.value : isWord(t, 'NULL') ? null : t.text });
          } while (ec.accept(','));
        }
        ec.end();
        source = (ctx) => {
          const out = callProcedure(ctx, parts.join('.'), args);
          const rs = out.find((o) => o.kind === 'resultSet');
          return rs && rs.kind === 'resultSet' ? rs.rows : [];
        };
      } else throw syntaxError(rest[0] ?? s.tokens[s.tokens.length - 1]);
      // The lab's databases hold no user tables: an INSERT elsewhere names an object that does not exist.
      if (!temp) throw new SqlServerError(208, `Invalid object name '${name}'.`);
      return (ctx) => {
        const table = findTemp(ctx.session, name);
        if (!table) {
          if (name.startsWith('@')) throw new SqlServerError(1087, `Must declare the table variable "${name}".`, 15, 2);
          throw new SqlServerError(208, `Invalid object name '${name}'.`);
        }
        return insertRows(table, targets, source(ctx));
      };
    }
    return undefined;
  };
}
