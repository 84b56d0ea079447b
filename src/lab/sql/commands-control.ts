import type { SqlValue } from '../engine-types.js';
import { SqlServerError } from '../model/sql-error.js';
import { Cursor, syntaxError, type CommandParser } from './cursor.js';
import { expressionEvaluator } from './eval-expression.js';
import { BatchAbort, type RaisedError } from './run-batch.js';
import type { SelectRuntime } from './run-select.js';
import { isWord, type Token } from './tokenize.js';
import type { ExecContext } from './types.js';

/**
 * RAISERROR, THROW and transactions (BEGIN/COMMIT/ROLLBACK/SAVE TRANSACTION, SET
 * IMPLICIT_TRANSACTIONS). The lab keeps no undo log: a transaction counts (@@TRANCOUNT) and the
 * statements SQL Server refuses inside one (ALTER AVAILABILITY GROUP, BACKUP, …) are refused.
 *
 * | number | when | confidence |
 * |---|---|---|
 * | 50000 | RAISERROR with a message text | documented |
 * | 18054 | RAISERROR with a number not in sys.messages | documented |
 * | 35100 | THROW with a number below 50000 | documented |
 * | 10704 | THROW without arguments outside CATCH | documented |
 * | 3902 / 3903 | COMMIT / ROLLBACK without BEGIN TRANSACTION | documented |
 */
export const tranCount = (ctx: { session: { state: Map<string, unknown> } }): number => (ctx.session.state.get('trancount') as number | undefined) ?? 0;

/** printf-style substitution as RAISERROR does it: %s %d %i %u %x %o with flags and width, %%. */
function format(message: string, args: SqlValue[]): string {
  let k = 0;
  return message.replace(/%([-+ 0#]*)(\d+|\*)?(?:\.(\d+|\*))?(?:h|l|I64)?([sdiuxXo%])/g, (_m, _flags: string, _w, _p, conv: string) => {
    if (conv === '%') return '%';
    const v = args[k++];
    if (v === undefined) return '(null)';
    if (v === null) return '(null)';
    if (conv === 's') return String(v);
    const n = Math.trunc(Number(v));
    return conv === 'x' ? n.toString(16) : conv === 'X' ? n.toString(16).toUpperCase() : conv === 'o' ? n.toString(8) : String(n);
  });
}

/** Expressions separated by depth-0 commas up to `)` or the end. */
function argumentList(c: Cursor, closing: string | undefined): Token[][] {
  const args: Token[][] = [];
  let current: Token[] = [];
  let depth = 0;
  while (!c.done()) {
    const t = c.peek()!;
    if (t.type === 'op' && t.value === '(') depth++;
    if (t.type === 'op' && t.value === ')') {
      if (depth === 0 && closing === ')') break;
      depth--;
    }
    if (depth === 0 && t.type === 'op' && t.value === ',') {
      args.push(current);
      current = [];
      c.next();
      continue;
    }
    if (depth === 0 && closing === undefined && isWord(t, 'WITH')) break;
    current.push(c.next());
  }
  if (current.length) args.push(current);
  return args;
}

export function makeControlParser(rt: SelectRuntime): CommandParser {
  return (s) => {
    const c = new Cursor(s.tokens);
    if (c.accept('RAISERROR')) {
      c.expect('(');
      const args = argumentList(c, ')');
      c.expect(')');
      const options: string[] = [];
      if (c.accept('WITH')) do options.push(c.next().value);
      while (c.accept(','));
      c.end();
      if (args.length < 3 || args.some((a) => a.length === 0)) throw syntaxError(s.tokens[s.tokens.length - 1]);
      const evals = args.map((a) => expressionEvaluator(rt, a));
      return (ctx) => {
        const [msg, sev, state, ...rest] = evals.map((e) => e(ctx));
        const severity = Math.max(0, Math.min(25, Math.trunc(Number(sev))));
        const st = Math.max(0, Math.min(255, Math.trunc(Number(state)))) || 1;
        let number = 50000;
        let text: string;
        if (typeof msg === 'number') {
          number = 18054;
          text = `Error ${msg}, severity ${severity}, state ${st} was raised, but no message with that error number was found in sys.messages. If error is larger than 50000, make sure the user-defined message is added using sp_addmessage.`;
        } else text = format(String(msg ?? ''), rest);
        if (severity <= 10) return [{ kind: 'info', number, state: st, class: severity, message: text }];
        const err = severity >= 20 || options.includes('LOG') && severity >= 19 ? new BatchAbort(number, text, severity, st) : new SqlServerError(number, text, severity, st);
        throw err;
      };
    }
    if (c.accept('THROW')) {
      if (c.done()) {
        return (ctx) => {
          const caught = ctx.session.state.get('caughtError') as RaisedError | undefined;
          if (!caught) throw new SqlServerError(10704, 'To rethrow an error, a THROW statement must be used inside a CATCH block. Insert the THROW statement inside a CATCH block, or add error-handling logic to the THROW statement.', 15);
          throw Object.assign(new BatchAbort(caught.err.number, caught.err.message, caught.err.severity, caught.err.state), { line: caught.line });
        };
      }
      const args = argumentList(c, undefined);
      c.end();
      if (args.length !== 3) throw syntaxError(s.tokens[s.tokens.length - 1]);
      const evals = args.map((a) => expressionEvaluator(rt, a));
      return (ctx) => {
        const [num, msg, state] = evals.map((e) => e(ctx));
        const n = Math.trunc(Number(num));
        if (!(n >= 50000)) throw new SqlServerError(35100, `Error number ${n} in the THROW statement is outside the valid range. Specify an error number in the valid range of 50000 to 2147483647.`, 16);
        throw new BatchAbort(n, String(msg ?? ''), 16, Math.trunc(Number(state)) || 1);
      };
    }
    const tran = (): void => {
      if (c.accept('TRAN') || c.accept('TRANSACTION') || c.accept('WORK')) {
        if (!c.done()) c.next();
      }
      c.end();
    };
    if (c.accept('BEGIN', 'TRAN') || c.accept('BEGIN', 'TRANSACTION')) {
      if (!c.done()) c.next();
      if (c.accept('WITH')) while (!c.done()) c.next();
      c.end();
      return (ctx) => {
        ctx.session.state.set('trancount', tranCount(ctx) + 1);
        return [];
      };
    }
    if (c.accept('COMMIT')) {
      tran();
      return (ctx) => {
        const n = tranCount(ctx);
        if (n === 0) throw new SqlServerError(3902, 'The COMMIT TRANSACTION request has no corresponding BEGIN TRANSACTION.', 16);
        ctx.session.state.set('trancount', n - 1);
        return [];
      };
    }
    if (c.accept('ROLLBACK')) {
      tran();
      return (ctx) => {
        if (tranCount(ctx) === 0) throw new SqlServerError(3903, 'The ROLLBACK TRANSACTION request has no corresponding BEGIN TRANSACTION.', 16);
        ctx.session.state.set('trancount', 0);
        return [];
      };
    }
    if (c.accept('SAVE', 'TRAN') || c.accept('SAVE', 'TRANSACTION')) {
      c.next();
      c.end();
      return (ctx) => {
        if (tranCount(ctx) === 0) throw new SqlServerError(628, 'Cannot issue SAVE TRANSACTION when there is no active transaction.', 16);
        return [];
      };
    }
    if (c.accept('SET', 'IMPLICIT_TRANSACTIONS')) {
      const v = c.next();
      if (!isWord(v, 'ON', 'OFF')) throw syntaxError(v);
      c.end();
      return (ctx) => {
        ctx.session.state.set('implicitTransactions', v.value === 'ON');
        return [];
      };
    }
    return undefined;
  };
}

/** Statements SQL Server refuses inside a user transaction (Msg 574 / 3021 / 226). */
export function refuseInTransaction(ctx: ExecContext, head: Token[]): void {
  if (tranCount(ctx) === 0) return;
  const words = head.slice(0, 3).map((t) => t.value).join(' ');
  if (/^(ALTER|CREATE|DROP) AVAILABILITY GROUP/.test(words)) throw new SqlServerError(574, `${words.split(' ').slice(0, 3).join(' ')} statement not allowed within multi-statement transaction.`, 16);
  if (/^(BACKUP|RESTORE)\b/.test(words)) throw new SqlServerError(3021, 'Cannot perform a backup or restore operation within a transaction.', 16);
  if (/^ALTER DATABASE\b/.test(words)) throw new SqlServerError(226, 'ALTER DATABASE statement not allowed within multi-statement transaction.', 16);
}

