import type { BatchOutput, SessionContext, SqlEngine, SqlRequest, SqlValue } from '../engine-types.js';
import type { LabWorld } from '../model/lab-world.js';
import { isSqlServerError, SqlServerError } from '../model/sql-error.js';
import { releaseSessionLocks } from './app-locks.js';
import { parseAvailabilityGroupCommand } from './commands-ag.js';
import { parseBackup } from './commands-backup.js';
import { parseCertificateCommand } from './commands-cert.js';
import { parseDbcc } from './commands-dbcc.js';
import { makeTempTableParser } from './commands-temp-tables.js';
import { dropTableVariables } from './temp-store.js';
import { setRunningText } from './running-text.js';
import { makeControlParser, refuseInTransaction, tranCount } from './commands-control.js';
import { callProcedure, parseExec } from './commands-exec.js';
import { makeSessionParser } from './commands-session.js';
import { syntaxError, type CommandParser, type Executor } from './cursor.js';
import { createSelectRuntime, runSelect } from './run-select.js';
import { parseBatch } from './parse-batch.js';
import { planBatch, runPlan, type PlanNode } from './run-batch.js';
import { tokenize, TokenizeError, type Statement } from './tokenize.js';
import type { ExecContext } from './types.js';

const PLAN_CACHE_SIZE = 500;
/** Statements that open a transaction under SET IMPLICIT_TRANSACTIONS ON (SQL Server's documented list, as the lab parses them). */
const IMPLICIT_STARTERS = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'TRUNCATE', 'CREATE', 'DROP', 'ALTER', 'GRANT', 'REVOKE', 'BEGIN']);

function toOutput(err: SqlServerError, line: number): BatchOutput {
  return { kind: 'error', number: err.number, state: err.state, class: err.severity, message: err.message, line };
}

/**
 * The T-SQL face of one simulated instance, for the TDS server.
 *
 * @example
 * const engine = createInstanceEngine(world, 'SQL01');
 * const out = await engine.execute({ text: 'SELECT @@SERVERNAME', params: [], kind: 'batch', session, signal });
 */
export function createInstanceEngine(world: LabWorld, instanceName: string): SqlEngine {
  const inst = world.instance(instanceName);
  const rt = createSelectRuntime();
  const plans = new Map<string, PlanNode[]>();
  const parsers: CommandParser[] = [parseAvailabilityGroupCommand, parseBackup, parseCertificateCommand, parseExec, parseDbcc, makeControlParser(rt), makeTempTableParser(rt), makeSessionParser(rt)];

  /** Implicit transactions start at the first statement that touches data; some statements refuse to run in one. */
  const inTransaction = (s: Statement, exec: Executor): Executor => (ctx) => {
    refuseInTransaction(ctx, s.tokens);
    if (ctx.session.state.get('implicitTransactions') === true && tranCount(ctx) === 0 && IMPLICIT_STARTERS.has(s.tokens[0]!.value)) {
      ctx.session.state.set('trancount', 1);
    }
    return exec(ctx);
  };

  const parseStatement = (s: Statement): Executor => {
    const head = s.tokens[0]!;
    if (head.type === 'word' && head.value === 'SELECT') {
      return inTransaction(s, (ctx) => {
        const r = runSelect(rt, s.tokens, ctx, ctx.bound);
        return [{ kind: 'resultSet', columns: r.columns, rows: r.rows }];
      });
    }
    for (const p of parsers) {
      const exec = p(s);
      if (exec) return inTransaction(s, exec);
    }
    throw syntaxError(head);
  };

  const log = (session: SessionContext, text: string, req: SqlRequest, outcome: { ok: true; rowCount?: number } | { ok: false; number: number; message: string }): void =>
    world.recordStatement({ at: world.now(), instance: inst.name, spid: session.spid, text, params: req.params.map((p) => ({ name: p.name, value: p.value })), outcome });

  const register = (session: SessionContext, command: string, text: string): void => {
    const live = inst.sessions.get(session.spid) ?? {
      spid: session.spid, login: session.login, hostName: session.hostName, appName: session.appName,
      connectedAt: session.connectedAt.getTime(), database: session.database,
    };
    live.database = session.database;
    live.running = { startedAt: world.now(), command, waitType: null };
    setRunningText(live, text);
    inst.sessions.set(session.spid, live);
  };

  async function execute(req: SqlRequest): Promise<BatchOutput[]> {
    world.sync();
    const { session } = req;
    if (!inst.up) {
      const msg = 'SHUTDOWN is in progress.';
      log(session, req.text, req, { ok: false, number: 6005, message: msg });
      return [{ kind: 'error', number: 6005, state: 1, class: 14, message: msg }];
    }
    register(session, 'SELECT', req.text);
    const bound = new Map<string, SqlValue>(req.params.map((p) => [p.name.replace(/^@/, '').toLowerCase(), p.value]));
    const ctx: ExecContext = { world, inst, session, vars: new Map(), bound, signal: req.signal };
    try {
      // mssql calls procedures over RPC: the text is just `EXEC name` and the arguments are params.
      const rpc = req.kind === 'rpc' && req.params.length ? /^\s*EXEC(?:UTE)?\s+([\w.[\]#]+)\s*;?\s*$/i.exec(req.text) : null;
      if (rpc) {
        try {
          const out = callProcedure(ctx, rpc[1]!, req.params.map((p) => ({ name: p.name.replace(/^@/, ''), value: p.value })));
          log(session, req.text, req, { ok: true });
          return out;
        } catch (err) {
          if (!isSqlServerError(err)) throw err;
          log(session, req.text, req, { ok: false, number: err.number, message: err.message });
          return [toOutput(err, 1)];
        }
      }
      return await runBatch(req, ctx);
    } finally {
      const live = inst.sessions.get(session.spid);
      if (live) delete live.running;
    }
  }

  async function runBatch(req: SqlRequest, ctx: ExecContext): Promise<BatchOutput[]> {
    const { session } = req;
    let plan: PlanNode[] | undefined = plans.get(req.text);
    try {
      if (!plan) {
        plan = planBatch(parseBatch(req.text, tokenize(req.text)), rt, parseStatement);
        // Runbooks and pollers repeat the same texts; parsed plans are pure, so keep a bounded cache.
        if (plans.size >= PLAN_CACHE_SIZE) plans.delete(plans.keys().next().value!);
        plans.set(req.text, plan);
      }
    } catch (err) {
      // A batch that does not compile runs nothing, as on SQL Server.
      if (err instanceof TokenizeError) {
        log(session, req.text, req, { ok: false, number: 105, message: err.message });
        return [{ kind: 'error', number: 105, state: 1, class: 15, message: err.message, line: err.line }];
      }
      if (!isSqlServerError(err)) throw err;
      log(session, req.text, req, { ok: false, number: err.number, message: err.message });
      return [toOutput(err, (err as { line?: number }).line ?? 1)];
    }
    const outputs = await runPlan(plan, ctx, {
      fault(s) {
        const fault = world.takeFailNext(inst.name, s.text);
        return fault ? new SqlServerError(fault.errorNumber, fault.message ?? `Injected fault: error ${fault.errorNumber}.`, 16) : undefined;
      },
      logged: (s, outcome) => log(session, s.text, req, outcome),
    });
    dropTableVariables(session);
    return outputs;
  }

  return {
    serverName: inst.name,
    authenticate: (login, password) => inst.up && inst.logins.get(login.toLowerCase()) === password,
    defaultDatabase: () => 'master',
    hasDatabase: (name) => inst.databases.some((d) => d.name.toLowerCase() === name.toLowerCase()),
    execute,
    closeSession(session) {
      session.state.delete('tempTables');
      inst.sessions.delete(session.spid);
      releaseSessionLocks(inst, session.spid);
      world.touch();
    },
  };
}
