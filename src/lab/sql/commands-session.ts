import { setTimeout as sleep } from 'node:timers/promises';
import type { BatchOutput, SqlType, SqlValue } from '../engine-types.js';
import { SqlServerError } from '../model/sql-error.js';
import { Cursor, done, info, syntaxError, type CommandParser } from './cursor.js';
import { runSelect, type SelectRuntime } from './run-select.js';
import type { Token } from './tokenize.js';
import type { ExecContext } from './types.js';

/**
 * USE, SET, DECLARE, PRINT, WAITFOR, RECONFIGURE, ALTER DATABASE … SET HADR. Expressions (DECLARE
 * initialisers, SET @v, PRINT) are evaluated by running `SELECT <expr>` through alasql.
 *
 * | number | when | confidence |
 * |---|---|---|
 * | 911 | USE / ALTER DATABASE of an unknown database | documented |
 * | 134 | a variable declared twice in a batch | documented |
 * | 35242 | SET HADR on a database that is not in an availability group | number unconfirmed (lab choice) |
 */
export function parseType(c: Cursor): SqlType {
  const word = c.name().toLowerCase();
  let length: number | 'max' | undefined;
  const args: number[] = [];
  if (c.accept('(')) {
    if (c.accept('MAX')) length = 'max';
    else {
      do args.push(c.number());
      while (c.accept(','));
    }
    c.expect(')');
  }
  const map: Record<string, SqlType> = {
    int: { name: 'int' }, bigint: { name: 'bigint' }, smallint: { name: 'smallint' }, tinyint: { name: 'tinyint' }, bit: { name: 'bit' },
    float: { name: 'float' }, real: { name: 'real' }, xml: { name: 'nvarchar', length: 'max' }, datetime: { name: 'datetime' }, datetime2: { name: 'datetime2', scale: 7 },
    date: { name: 'datetime2', scale: 0 }, uniqueidentifier: { name: 'uniqueidentifier' }, sysname: { name: 'nvarchar', length: 128 },
    sql_variant: { name: 'sql_variant' },
  };
  if (map[word]) return map[word]!;
  if (word === 'varchar' || word === 'nvarchar') return { name: word, length: length ?? args[0] ?? 1 };
  if (word === 'char' || word === 'nchar') return { name: word, length: args[0] ?? 1 };
  if (word === 'varbinary' || word === 'binary') return { name: 'varbinary', length: length ?? args[0] ?? 1 };
  if (word === 'decimal' || word === 'numeric') return { name: 'decimal', precision: args[0] ?? 18, scale: args[1] ?? 0 };
  throw new SqlServerError(2715, `Column, parameter, or variable #1: Cannot find data type ${word}.`);
}

function coerce(v: SqlValue, type: SqlType): SqlValue {
  if (v === null) return null;
  if ((type.name === 'varchar' || type.name === 'nvarchar') && typeof type.length === 'number' && typeof v === 'string') return v.slice(0, type.length);
  if (['int', 'bigint', 'smallint', 'tinyint'].includes(type.name) && typeof v === 'string') return Math.trunc(Number(v));
  return v;
}

export function makeSessionParser(rt: SelectRuntime): CommandParser {
  const evaluate = (ctx: ExecContext, tokens: Token[]): SqlValue => {
    const select: Token = { type: 'word', text: 'SELECT', value: 'SELECT', line: tokens[0]?.line ?? 1, start: 0, end: 0 };
    const r = runSelect(rt, [select, ...tokens], ctx, ctx.bound);
    return r.rows[0]?.[0] ?? null;
  };
  return (s) => {
    const c = new Cursor(s.tokens);
    if (c.accept('USE')) {
      const name = c.name();
      c.end();
      return (ctx): BatchOutput[] => {
        const db = ctx.inst.databases.find((d) => d.name.toLowerCase() === name.toLowerCase());
        if (!db) throw new SqlServerError(911, `Database '${name}' does not exist. Make sure that the name is entered correctly.`);
        ctx.session.database = db.name;
        return [{ kind: 'database', name: db.name }];
      };
    }
    if (c.accept('DECLARE')) {
      const decls: { name: string; type: SqlType; init?: Token[] }[] = [];
      do {
        const v = c.next();
        if (v.type !== 'var') throw syntaxError(v);
        c.accept('AS');
        const type = parseType(c);
        let init: Token[] | undefined;
        if (c.accept('=')) {
          const from = c.i;
          let depth = 0;
          while (!c.done() && !(depth === 0 && c.peek()!.value === ',')) {
            const t = c.next();
            if (t.value === '(') depth++;
            if (t.value === ')') depth--;
          }
          init = s.tokens.slice(from, c.i);
        }
        decls.push({ name: v.value, type, init });
      } while (c.accept(','));
      c.end();
      return (ctx) => {
        for (const d of decls) {
          if (ctx.vars.has(d.name)) throw new SqlServerError(134, `The variable name '@${d.name}' has already been declared. Variable names must be unique within a query batch or stored procedure.`, 15);
          ctx.vars.set(d.name, { type: d.type, value: d.init ? coerce(evaluate(ctx, d.init), d.type) : null });
        }
        return [];
      };
    }
    if (c.accept('SET')) {
      const first = c.peek();
      if (first?.type === 'var') {
        c.next();
        c.expect('=');
        const expr = s.tokens.slice(c.i);
        if (!expr.length) throw syntaxError(first);
        return (ctx) => {
          const v = ctx.vars.get(first.value);
          if (!v) throw new SqlServerError(137, `Must declare the scalar variable "${first.text}".`, 15, 2);
          v.value = coerce(evaluate(ctx, expr), v.type);
          return [];
        };
      }
      // Session options (NOCOUNT, ANSI_*, XACT_ABORT, LOCK_TIMEOUT, …) change nothing the lab models.
      if (!first || first.type !== 'word') throw syntaxError(first);
      return () => [];
    }
    if (c.accept('PRINT')) {
      const expr = s.tokens.slice(1);
      if (!expr.length) throw syntaxError(s.tokens[0]);
      return (ctx) => [info(0, String(evaluate(ctx, expr) ?? ''))];
    }
    if (c.accept('RECONFIGURE')) {
      c.accept('WITH', 'OVERRIDE');
      c.end();
      return (ctx) => {
        for (const cfg of ctx.inst.configurations) cfg.valueInUse = cfg.value;
        ctx.world.touch();
        return done();
      };
    }
    if (c.accept('WAITFOR', 'DELAY')) {
      const t = c.next();
      c.end();
      const m = t.type === 'string' ? /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(t.value) : null;
      if (!m) throw syntaxError(t);
      const ms = ((+m[1]! * 60 + +m[2]!) * 60 + +(m[3] ?? 0)) * 1000 + +(m[4] ?? 0);
      return async (ctx) => {
        // WAITFOR waits in lab time, which the model's dynamics run on: a scaled clock (lab up --speed)
        // shortens the real wait; a manual clock (tests) just moves. ATTENTION ends the wait.
        const clock = ctx.world.clock as { speed?: number; advance?: (ms: number) => void };
        if (typeof clock.advance === 'function') {
          clock.advance(ms);
          return [];
        }
        await sleep(ms / Math.max(1, clock.speed ?? 1), undefined, { signal: ctx.signal });
        return [];
      };
    }
    if (c.accept('ALTER', 'DATABASE')) {
      const name = c.name();
      c.expect('SET', 'HADR');
      const action = c.next();
      if (action.value !== 'SUSPEND' && action.value !== 'RESUME') throw syntaxError(action);
      c.end();
      return (ctx) => {
        const db = ctx.inst.databases.find((d) => d.name.toLowerCase() === name.toLowerCase());
        if (!db) throw new SqlServerError(911, `Database '${name}' does not exist. Make sure that the name is entered correctly.`);
        const side = ctx.world.sideOf(ctx.inst.name);
        if (!side || ctx.world.link!.databaseName.toLowerCase() !== db.name.toLowerCase()) {
          throw new SqlServerError(35242, `Cannot complete this ALTER DATABASE SET HADR operation on database '${db.name}'. The database is not joined to an availability group.`);
        }
        side.isSuspended = action.value === 'SUSPEND';
        ctx.world.event(ctx.inst.name, 'hadr', `${db.name} data movement ${side.isSuspended ? 'suspended' : 'resumed'}`);
        return done();
      };
    }
    return undefined;
  };
}
