import type { BatchOutput } from '../engine-types.js';
import { isSqlServerError, SqlServerError } from '../model/sql-error.js';
import type { Executor } from './cursor.js';
import { conditionEvaluator } from './eval-expression.js';
import type { BatchNode } from './parse-batch.js';
import type { SelectRuntime } from './run-select.js';
import type { Statement } from './tokenize.js';
import type { ExecContext } from './types.js';

/**
 * The evaluation stage for control flow: a planned batch tree runs statement by statement. Errors
 * inside TRY go to CATCH (ERROR_NUMBER() and friends read `caughtError`); outside, they are sent
 * and the batch goes on, except for errors that abort the batch (THROW, severity ≥ 20).
 */
export type PlanNode =
  | { kind: 'stmt'; s: Statement; exec: Executor }
  | { kind: 'block'; body: PlanNode[] }
  | { kind: 'if'; cond: (ctx: ExecContext) => boolean; then: PlanNode; else?: PlanNode; line: number }
  | { kind: 'while'; cond: (ctx: ExecContext) => boolean; body: PlanNode; line: number }
  | { kind: 'try'; body: PlanNode[]; handler: PlanNode[] }
  | { kind: 'break' | 'continue' | 'return'; line: number };

/** An error with the line it was raised on, for ERROR_LINE() and the ERROR token. */
export interface RaisedError {
  err: SqlServerError;
  line: number;
}

/** Marks errors that end the batch (THROW, RAISERROR … WITH LOG at severity ≥ 20). */
export class BatchAbort extends SqlServerError {}

/** WHILE loops stop here instead of hanging the lab (SQL Server has no limit; a lab must answer). */
const MAX_ITERATIONS = 100_000;

export function planBatch(nodes: BatchNode[], rt: SelectRuntime, parseStatement: (s: Statement) => Executor): PlanNode[] {
  const plan = (n: BatchNode): PlanNode => {
    switch (n.kind) {
      case 'stmt':
        return { kind: 'stmt', s: n.s, exec: parseStatement(n.s) };
      case 'block':
        return { kind: 'block', body: n.body.map(plan) };
      case 'if':
        return { kind: 'if', cond: conditionEvaluator(rt, n.cond), then: plan(n.then), ...(n.else ? { else: plan(n.else) } : {}), line: n.line };
      case 'while':
        return { kind: 'while', cond: conditionEvaluator(rt, n.cond), body: plan(n.body), line: n.line };
      case 'try':
        return { kind: 'try', body: n.body.map(plan), handler: n.handler.map(plan) };
      default:
        return n;
    }
  };
  return nodes.map(plan);
}

export interface BatchHooks {
  /** Before each statement: an injected fault replaces it. */
  fault(s: Statement): SqlServerError | undefined;
  /** After each statement, for the statement log. */
  logged(s: Statement, outcome: { ok: true; rowCount?: number } | { ok: false; number: number; message: string }): void;
}

type Flow = 'break' | 'continue' | 'return' | undefined;

export async function runPlan(plan: PlanNode[], ctx: ExecContext, hooks: BatchHooks): Promise<BatchOutput[]> {
  const outputs: BatchOutput[] = [];
  const send = (e: RaisedError): void => {
    outputs.push({ kind: 'error', number: e.err.number, state: e.err.state, class: e.err.severity, message: e.err.message, line: e.line });
    const follow = (e.err as SqlServerError & { follow?: SqlServerError }).follow;
    if (follow) outputs.push({ kind: 'error', number: follow.number, state: follow.state, class: follow.severity, message: follow.message, line: e.line });
  };

  /** Runs nodes; inside TRY (`tryDepth` > 0) errors propagate to the handler instead of being sent. */
  const run = async (nodes: PlanNode[], tryDepth: number): Promise<Flow> => {
    for (const n of nodes) {
      if (ctx.signal.aborted) return 'return';
      const flow = await step(n, tryDepth);
      if (flow) return flow;
    }
    return undefined;
  };

  const guard = <T>(line: number, f: () => T): T => {
    try {
      return f();
    } catch (err) {
      if (isSqlServerError(err)) throw { err, line } satisfies RaisedError;
      throw err;
    }
  };

  const step = async (n: PlanNode, tryDepth: number): Promise<Flow> => {
    switch (n.kind) {
      case 'stmt': {
        const fault = hooks.fault(n.s);
        try {
          if (fault) throw fault;
          const out = await n.exec(ctx);
          outputs.push(...out);
          const rs = out.find((o) => o.kind === 'resultSet');
          hooks.logged(n.s, { ok: true, rowCount: rs && rs.kind === 'resultSet' ? rs.rows.length : undefined });
        } catch (err) {
          if (ctx.signal.aborted) return 'return';
          if (!isSqlServerError(err)) throw err;
          hooks.logged(n.s, { ok: false, number: err.number, message: err.message });
          const raised: RaisedError = { err, line: (err as { line?: number }).line ?? n.s.line };
          if (tryDepth > 0) throw raised;
          send(raised);
          if (err instanceof BatchAbort || err.severity >= 20) return 'return';
        }
        return undefined;
      }
      case 'block':
        return run(n.body, tryDepth);
      case 'if':
        if (guard(n.line, () => n.cond(ctx))) return step(n.then, tryDepth);
        return n.else ? step(n.else, tryDepth) : undefined;
      case 'while': {
        for (let k = 0; guard(n.line, () => n.cond(ctx)); k++) {
          if (k >= MAX_ITERATIONS) throw new SqlServerError(50000, `The lab stops WHILE loops after ${MAX_ITERATIONS} iterations.`, 16);
          const flow = await step(n.body, tryDepth);
          if (flow === 'break') break;
          if (flow === 'return') return flow;
        }
        return undefined;
      }
      case 'try': {
        try {
          return await run(n.body, tryDepth + 1);
        } catch (e) {
          if (!isRaised(e)) throw e;
          const previous = ctx.session.state.get('caughtError');
          ctx.session.state.set('caughtError', e);
          try {
            return await run(n.handler, tryDepth);
          } finally {
            ctx.session.state.set('caughtError', previous);
          }
        }
      }
      default:
        return n.kind;
    }
  };

  try {
    await run(plan, 0);
  } catch (e) {
    // A condition's error outside TRY: sent, and the batch ends there.
    if (!isRaised(e)) throw e;
    send(e);
  }
  return outputs;
}

function isRaised(e: unknown): e is RaisedError {
  return typeof e === 'object' && e !== null && 'err' in e && isSqlServerError((e as RaisedError).err);
}
