/**
 * `plan --live`: runs the compiled machine in the executor's check mode — the very machine and
 * query code a run uses, so the route shown is the route a run takes — which sends read-only
 * queries only (checks, polls, re-checks) and stops at the first step that would change
 * something, ask for a confirmation or sleep. Decide steps follow their policy (the first choice
 * whose `when` holds), as an unattended run would.
 */
import type { CompileResult, ParamValue, Plan } from '../../compile/types.js';
import { AgmedicError } from '../../errors.js';
import type { AuditEvent } from '../../ports/audit-event.js';
import type { AuditSink } from '../../ports/audit-sink.js';
import type { Clock } from '../../ports/clock.js';
import type { Prompter } from '../../ports/prompter.js';
import type { Timers } from '../../ports/timers.js';
import type { Runbook } from '../../runbook/schema.js';
import { executeRun } from '../execute/execute-run.js';
import { assertPlanFresh, buildFingerprint, toJson } from '../fingerprint/index.js';
import type { RunResult, RunTargets } from '../types.js';
import type { LivePlan, LiveRouteEntry, LiveStatement } from './types.js';

export interface LivePlanOptions {
  runbook: Runbook;
  compiled: CompileResult;
  /** The dry-run plan for these parameter values (`buildPlan`). */
  plan: Plan;
  values: Record<string, ParamValue>;
  /** Open connections, by role; only read-only statements are sent through them. */
  targets: RunTargets;
  clock: Clock;
  timers?: Timers;
  signal: AbortSignal;
  operator: string;
  host: string;
  runId?: string;
  /** Also record the check pass here (default: nowhere — a plan changes nothing). */
  audit?: AuditSink;
}

/** Check mode never consults its prompter; one that is asked anyway is a bug, not a hang. */
const NEVER_ASKED: Prompter = {
  kind: 'scripted',
  operator: 'plan --live',
  confirm: () => Promise.reject(new AgmedicError('INTERNAL', 'plan --live asked for a confirmation')),
  decide: () => Promise.reject(new AgmedicError('INTERNAL', 'plan --live asked for a decision')),
};

/** An AuditSink that keeps the statements of the check pass for the plan (and forwards, if asked). */
function collectingSink(statements: LiveStatement[], forward?: AuditSink): AuditSink {
  return {
    append(e: AuditEvent) {
      if (e.type === 'statement') {
        statements.push({
          step: e.step, target: e.target, server: e.server, text: e.text, parameters: toJson(e.parameters) as Record<string, unknown>,
          ok: e.outcome.status === 'ok',
          result: e.outcome.status === 'ok' ? `${e.outcome.rowCount} row${e.outcome.rowCount === 1 ? '' : 's'}` : `error ${e.outcome.number}: ${e.outcome.message}`,
        });
      } else if (e.type === 'azure-call') {
        statements.push({ step: e.step, target: e.target, server: e.target, text: `${e.method} ${e.path}`, parameters: {}, ok: e.status < 400, result: `HTTP ${e.status}` });
      }
      return forward ? forward.append(e) : Promise.resolve();
    },
    sync: () => (forward ? forward.sync() : Promise.resolve()),
    close: () => Promise.resolve(),
  };
}

/** Runs the check pass only: the executor's result in check mode plus the statements it sent. */
export async function runCheckPass(opts: LivePlanOptions): Promise<{ result: RunResult; statements: LiveStatement[] }> {
  const statements: LiveStatement[] = [];
  const result = await executeRun({
    runId: opts.runId ?? `plan-${opts.clock.now().getTime().toString(36)}`,
    runbook: opts.runbook,
    compiled: opts.compiled,
    plan: opts.plan,
    values: opts.values,
    targets: opts.targets,
    prompter: NEVER_ASKED,
    audit: collectingSink(statements, opts.audit),
    clock: opts.clock,
    ...(opts.timers ? { timers: opts.timers } : {}),
    signal: opts.signal,
    mode: 'check',
    operator: opts.operator,
    host: opts.host,
  });
  return { result, statements };
}

/**
 * Connects nothing itself: give it open targets. Resolves to the plan with its `live` section.
 *
 * @example
 * const live = await makeLivePlan({ runbook, compiled, plan, values, targets, clock, signal, operator, host });
 * console.log(renderLivePlan(live, { color: false }));
 */
export async function makeLivePlan(opts: LivePlanOptions): Promise<LivePlan> {
  const madeAt = opts.clock.now().toISOString();
  const { result, statements } = await runCheckPass(opts);
  const route: LiveRouteEntry[] = result.route.map((e, i) => {
    const entry: LiveRouteEntry = { step: e.step, ...(e.via === undefined ? {} : { via: e.via }) };
    const decide = opts.runbook.steps.find((s) => s.id === e.step)?.decide;
    const next = result.route[i + 1]?.step;
    if (decide && e.via === 'choice' && next !== undefined) {
      const index = decide.choices.findIndex((c) => c.next === next);
      if (index >= 0) entry.choice = { index, label: decide.choices[index]!.label, next };
    }
    return entry;
  });
  return {
    ...opts.plan,
    live: {
      liveVersion: 1,
      madeAt,
      targets: [
        ...Object.values(opts.targets.sql).map((t) => ({ role: t.role, server: t.server })),
        ...Object.values(opts.targets.azure).map((a) => ({ role: `${a.role} (arm)`, server: a.describe() })),
      ],
      outcome: result.outcome,
      message: result.message,
      ...(result.code === undefined ? {} : { code: result.code }),
      ...(result.stoppedAt ? { stoppedAt: result.stoppedAt } : {}),
      route,
      statements,
      facts: toJson(result.facts) as Record<string, unknown>,
      fingerprint: buildFingerprint(opts.runbook, result, opts.values),
    },
  };
}

/**
 * FOR THE RUN COMMAND (runtime-core): before `agmedic run plan.json` changes anything, read the
 * state again with the same check pass and refuse (`PLAN_STALE`, exit 4) when a fingerprinted
 * fact changed. A plan without a `live` section (a dry-run plan) passes without a check pass.
 *
 * @example
 * await assertLivePlanStillFresh(savedPlan, { ...wiring, plan: savedPlan, values: savedPlan.parameters });
 * const result = await executeRun({ ...wiring, mode: 'guided' });
 */
export async function assertLivePlanStillFresh(saved: Plan & { live?: { fingerprint: LivePlan['live']['fingerprint'] } }, opts: LivePlanOptions): Promise<void> {
  if (!saved.live) return;
  const { result } = await runCheckPass(opts);
  // Interrupted half-way, the facts are incomplete: that is a stop, not a stale plan.
  if (result.outcome === 'interrupted') throw new AgmedicError('CANCELLED', `interrupted while checking the plan against the current state; nothing was changed`);
  assertPlanFresh({ parameters: saved.parameters, live: saved.live }, result.facts);
}
