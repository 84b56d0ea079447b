import type { BatchOutput } from '../engine-types.js';
import { SqlServerError } from '../model/sql-error.js';
import type { InstanceState } from '../model/types.js';
import { Cursor, info, syntaxError, type CommandParser } from './cursor.js';
import type { ExecContext } from './types.js';
import { parseSqlPerf } from './commands-dbcc-sqlperf.js';

/**
 * DBCC TRACESTATUS / TRACEON / TRACEOFF. Startup flags (-T) and flags turned on globally with
 * `DBCC TRACEON (n, -1)` both show as Global = 1; only startup flags change the flow-control gates
 * (TF 12310 is startup-only [MON]). Session flags (no -1) live with the session.
 *
 * | number | when | confidence |
 * |---|---|---|
 * | 2526 | a DBCC command the lab does not know | documented ("Incorrect DBCC statement …") |
 * | 2528 | info after a DBCC command unless WITH NO_INFOMSGS | documented |
 */
const DONE_MESSAGE = 'DBCC execution completed. If DBCC printed error messages, contact your system administrator.';

export function globalTraceFlags(inst: InstanceState): Set<number> {
  return new Set([...inst.traceFlags, ...inst.runtimeTraceFlags]);
}

function sessionFlags(ctx: ExecContext): Set<number> {
  let flags = ctx.session.state.get('traceFlags') as Set<number> | undefined;
  if (!flags) {
    flags = new Set();
    ctx.session.state.set('traceFlags', flags);
  }
  return flags;
}

export const parseDbcc: CommandParser = (s) => {
  const c = new Cursor(s.tokens);
  if (!c.accept('DBCC')) return undefined;
  const command = c.next();
  if (command.type === 'word' && command.value === 'SQLPERF') return parseSqlPerf(c);
  if (command.type !== 'word' || !['TRACESTATUS', 'TRACEON', 'TRACEOFF'].includes(command.value)) {
    throw new SqlServerError(2526, 'Incorrect DBCC statement. Check the documentation for the correct DBCC syntax and options.', 16);
  }
  const flags: number[] = [];
  if (c.accept('(')) {
    if (!c.accept(')')) {
      do {
        const n = c.number();
        if (!Number.isInteger(n)) throw syntaxError(c.peek(-1));
        flags.push(n);
      } while (c.accept(','));
      c.expect(')');
    }
  }
  const quiet = c.accept('WITH', 'NO_INFOMSGS');
  c.end();
  const global = flags.includes(-1);
  const listed = flags.filter((f) => f !== -1);
  if (command.value !== 'TRACESTATUS' && listed.length === 0) throw syntaxError(s.tokens[s.tokens.length - 1]);
  const tail = (): BatchOutput[] => (quiet ? [{ kind: 'done' }] : [info(2528, DONE_MESSAGE), { kind: 'done' }]);
  return (ctx) => {
    const mine = sessionFlags(ctx);
    if (command.value === 'TRACESTATUS') {
      const globals = globalTraceFlags(ctx.inst);
      const shown = listed.length ? listed : [...new Set([...globals, ...(global ? [] : mine)])].sort((a, b) => a - b);
      const rows = shown.map((f) => {
        const g = globals.has(f) ? 1 : 0;
        const se = mine.has(f) ? 1 : 0;
        return [f, g || se ? 1 : 0, g, se];
      });
      const columns = ['TraceFlag', 'Status', 'Global', 'Session'].map((name) => ({ name, type: { name: 'int' as const } }));
      return [{ kind: 'resultSet', columns, rows }, ...tail()];
    }
    const on = command.value === 'TRACEON';
    for (const f of listed) {
      if (global) {
        const list = ctx.inst.runtimeTraceFlags;
        if (on && !list.includes(f)) list.push(f);
        if (!on) {
          ctx.inst.runtimeTraceFlags = list.filter((x) => x !== f);
          // TRACEOFF (n, -1) also clears a flag set at startup until the next restart.
          ctx.inst.traceFlags = ctx.inst.traceFlags.filter((x) => x !== f);
        }
      } else if (on) mine.add(f);
      else mine.delete(f);
    }
    ctx.world.event(ctx.inst.name, 'trace-flag', `DBCC ${command.value} (${flags.join(', ')})`);
    return tail();
  };
};
