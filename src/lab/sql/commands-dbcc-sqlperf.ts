import type { BatchOutput } from '../engine-types.js';
import { SqlServerError } from '../model/sql-error.js';
import { Cursor, info, syntaxError } from './cursor.js';
import { logSpaceOf } from './log-space.js';
import type { Executor } from './cursor.js';

/**
 * DBCC SQLPERF (LOGSPACE) from the model's log (log-space.ts), and DBCC SQLPERF
 * ('sys.dm_os_wait_stats', CLEAR), which resets the instance's wait statistics as SQL Server does.
 *
 * | number | when | confidence |
 * |---|---|---|
 * | 2528 | info after the command unless WITH NO_INFOMSGS | documented |
 * | 2526 | another SQLPERF option | documented |
 */
const DONE_MESSAGE = 'DBCC execution completed. If DBCC printed error messages, contact your system administrator.';
const MB = 1024 * 1024;

/** Parses what follows `DBCC SQLPERF`. */
export function parseSqlPerf(c: Cursor): Executor {
  c.expect('(');
  const first = c.next();
  const option = first.type === 'word' ? first.value : first.type === 'string' || first.type === 'ident' ? first.value.toLowerCase() : '';
  const clear = c.accept(',') ? c.next() : undefined;
  c.expect(')');
  const quiet = c.accept('WITH', 'NO_INFOMSGS');
  c.end();
  const tail = (): BatchOutput[] => (quiet ? [{ kind: 'done' }] : [info(2528, DONE_MESSAGE), { kind: 'done' }]);
  if (option === 'LOGSPACE' && !clear) {
    return (ctx) => {
      const rows = ctx.inst.databases.map((db) => {
        const log = logSpaceOf(ctx.world, ctx.inst, db);
        return [db.name, log.sizeBytes / MB, (100 * log.usedBytes) / log.sizeBytes, 0];
      });
      const columns = [
        { name: 'Database Name', type: { name: 'nvarchar' as const, length: 128 } },
        { name: 'Log Size (MB)', type: { name: 'real' as const } },
        { name: 'Log Space Used (%)', type: { name: 'real' as const } },
        { name: 'Status', type: { name: 'int' as const } },
      ];
      return [{ kind: 'resultSet', columns, rows }, ...tail()];
    };
  }
  if (clear && clear.type === 'word' && clear.value === 'CLEAR' && (option === 'sys.dm_os_wait_stats' || option === 'WAITSTATS')) {
    return (ctx) => {
      ctx.inst.waits.clear();
      ctx.world.touch();
      return tail();
    };
  }
  if (clear && !(clear.type === 'word' && clear.value === 'CLEAR')) throw syntaxError(clear);
  throw new SqlServerError(2526, 'Incorrect DBCC statement. Check the documentation for the correct DBCC syntax and options.', 16);
}
