/**
 * Turns the machine's transitions (xstate inspection, microstep events) into the run's step
 * records: step start/end, skips, failures with their code, and the route taken. The compiled
 * config labels every transition with `meta.edge`, so nothing here re-derives the runbook's logic.
 */
import type { AuditEvent, StepEvent } from '../../ports/audit-event.js';
import type { RouteEntry } from '../types.js';
import type { RunState } from './run-state.js';

export interface Failure {
  step: string;
  code: string;
  message: string;
}

interface TransitionLike {
  source: { id: string };
  target?: ReadonlyArray<{ id: string }>;
  eventType: string;
  meta?: { edge?: string; path?: ReadonlyArray<string | number> };
}

const stepOf = (id: string | undefined): string | undefined => (id === undefined || id.startsWith('@') ? undefined : id.split(':')[0]);
const phaseOf = (id: string): string | undefined => (id.includes(':') ? id.slice(id.indexOf(':') + 1) : undefined);

const PHASE_EVENT: Record<string, StepEvent['phase']> = { confirm: 'confirm', recheck: 'precheck', execute: 'action', verify: 'verify' };
const END_OUTCOME: Record<string, StepEvent['outcome']> = { fail: 'failed', onFail: 'failed', timeout: 'timeout', decline: 'declined' };

export class TransitionObserver {
  readonly route: RouteEntry[] = [];
  failure: Failure | undefined;

  constructor(
    private readonly rs: RunState,
    private readonly record: (e: AuditEvent) => void,
  ) {}

  /** The step the run is in now (or was last in). */
  get currentStep(): string | undefined {
    return this.route.at(-1)?.step;
  }

  /** The first step, entered by the machine's initial state (no transition to see). */
  enter(step: string): void {
    if (this.currentStep === step) return;
    this.route.push({ step });
    this.record({ type: 'step', runId: this.rs.opts.runId, step, phase: 'start' });
    this.notice(step);
  }

  private notice(step: string): void {
    const s = this.rs.steps.get(step);
    if (s) this.rs.opts.onNotice?.({ type: 'step', step, title: s.title, kind: s.check ? 'check' : s.action ? 'action' : s.wait ? 'wait' : s.decide ? 'decide' : 'end' });
  }

  microstep(event: { type: string; error?: unknown }, transitions: readonly TransitionLike[]): void {
    const runId = this.rs.opts.runId;
    for (const t of transitions) {
      const from = t.source.id;
      const to = t.target?.[0]?.id;
      const edge = t.meta?.edge ?? 'phase';
      const fromStep = stepOf(from);
      const toStep = stepOf(to);
      // The machine's first step (or a resumed run's current one) is left before any snapshot
      // showed it, e.g. skipped by its `when` while the initial state was computed: enter it first.
      if (fromStep && this.route.length === 0) this.enter(fromStep);
      if (edge === 'skip' && fromStep) {
        const when = this.rs.steps.get(fromStep)?.when;
        const reason = `when is false: ${when ?? ''}`;
        this.record({ type: 'skip', runId, step: fromStep, reason });
        // The display gets the step's title, not the condition: a multi-line CEL expression is
        // unreadable in a progress line (the audit record and `plan` keep it in full).
        this.rs.opts.onNotice?.({ type: 'skip', step: fromStep, reason: 'not needed (its condition is false)' });
      }
      if ((edge === 'fail' || edge === 'onFail' || edge === 'timeout') && fromStep) this.failure = this.failureOf(fromStep, from, event, t);
      if (to && toStep === fromStep && fromStep) {
        const phase = PHASE_EVENT[phaseOf(to) ?? ''];
        if (phase && phaseOf(to) !== phaseOf(from)) this.record({ type: 'step', runId, step: fromStep, phase });
      }
      if (toStep !== fromStep || (to && !toStep)) {
        if (fromStep && edge !== 'skip') {
          const outcome = END_OUTCOME[edge] ?? 'ok';
          this.record({ type: 'step', runId, step: fromStep, phase: 'end', outcome });
        }
        const last = this.route.at(-1);
        if (last && last.step === fromStep) last.via = edge;
        if (toStep) this.enter(toStep);
      }
    }
  }

  private failureOf(step: string, from: string, event: { type: string; error?: unknown }, t: TransitionLike): Failure {
    const s = this.rs.steps.get(step);
    if (event.type.startsWith('xstate.error.actor.')) {
      const err = event.error as { code?: string; message?: string } | undefined;
      return { step, code: err?.code ?? 'INTERNAL', message: err?.message ?? String(event.error) };
    }
    if (event.type.startsWith('xstate.after')) {
      const isWait = t.meta?.path?.includes('wait') ?? false;
      return isWait
        ? { step, code: 'WAIT_TIMEOUT', message: `step ${step}: ${s?.wait?.until ?? 'the condition'} did not hold within ${s?.wait?.timeout ?? 'the timeout'}` }
        : { step, code: 'STEP_TIMEOUT', message: `step ${step}: no answer within ${s?.timeout ?? 'the step timeout'}` };
    }
    if (event.type.startsWith('xstate.done.actor.')) {
      if (phaseOf(from) === 'verify') return { step, code: 'VERIFY_FAILED', message: `step ${step}: verify does not hold (${s?.verify?.expect ?? ''})${s?.verify?.message ? `: ${s.verify.message}` : ''}` };
      return { step, code: 'CHECK_FAILED', message: `step ${step}: expect does not hold (${s?.check?.expect ?? ''})${s?.check?.message ? `: ${s.check.message}` : ''}` };
    }
    if (phaseOf(from) === 'requires') return { step, code: 'CHECK_FAILED', message: `step ${step}: requires does not hold after the re-check (${s?.requires ?? ''})` };
    return { step, code: 'CHECK_FAILED', message: `step ${step}: retried ${s?.retry?.max ?? 0} times without success` };
  }
}
