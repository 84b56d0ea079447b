/**
 * The executor's public API: `executeRun(options)` runs a compiled runbook against open targets
 * and returns how it ended. The CLI (`run`, `resume`, `plan --live`) is its only caller; it opens
 * the targets, the audit log and the journal (adapters, audit) and hands them in as ports.
 *
 * @example
 * const result = await executeRun({
 *   runId, runbook, compiled, plan, values, targets: { sql, azure }, prompter, audit, journal,
 *   clock, timers, signal, mode: 'guided', operator, host,
 *   onProgress: (p) => bar.update(p),
 * });
 * process.exitCode = exitCodeForRun(result);
 */
import type { CompileResult, ParamValue, Plan } from '../compile/types.js';
import type { RunStartEvent } from '../ports/audit-event.js';
import type { AuditSink } from '../ports/audit-sink.js';
import type { AzureLink } from '../ports/azure-link.js';
import type { Clock } from '../ports/clock.js';
import type { Journal, JournalEntry } from '../ports/journal.js';
import type { Prompter } from '../ports/prompter.js';
import type { SqlTarget } from '../ports/sql-target.js';
import type { Timers } from '../ports/timers.js';
import type { Outcome, Runbook } from '../runbook/schema.js';

/** The open connections of a run, by target role. */
export interface RunTargets {
  sql: Readonly<Record<string, SqlTarget>>;
  azure: Readonly<Record<string, AzureLink>>;
}

/**
 * `guided`/`unattended`: a real run (the prompter differs, nothing else does).
 * `check`: plan --live — runs read-only queries only and stops where the run would change something,
 * ask someone, or sleep (see {@link RunResult.stoppedAt}).
 */
export type RunMode = 'guided' | 'unattended' | 'check';

/** One update of a `wait` step, for a progress line or bar. */
export interface WaitProgress {
  step: string;
  title: string;
  label?: string;
  unit?: string;
  /** The watched value (`progress.value`), when the step declares one. */
  value?: number;
  total?: number;
  /** How many polls ran so far in this wait. */
  polls: number;
  elapsedMs: number;
  /** Until the wait's timeout. */
  remainingMs: number;
  /** How often the wait polls. */
  intervalMs?: number;
  /** The last values the `until` condition read (columns of the first row, per role). */
  observed?: Record<string, Record<string, unknown>>;
  /** True on the last update (the condition held, or the wait ended otherwise). */
  done: boolean;
}

/** A notification for displays (the audit log is written by the executor itself). */
export type RunNotice =
  | { type: 'step'; step: string; title: string; kind: string }
  | { type: 'statement'; step: string; target: string; phase: string; durationMs: number; ok: boolean }
  | { type: 'skip'; step: string; reason: string }
  | { type: 'in-doubt'; step: string; target: string; resolution: 'done' | 'not-done' }
  /** A change ran (on every role it names) in `durationMs`. */
  | { type: 'executed'; step: string; durationMs: number; targets: string[] }
  /** A change's verify read the state: whether `expect` held, and what it found. */
  | { type: 'verified'; step: string; ok: boolean; found: string }
  /** Values a check declares for display (`check.show`), evaluated on what it just read. */
  | { type: 'shown'; step: string; items: Array<{ label: string; value: string }> };

/** What a run changed, skipped and never reached: printed at its end and returned in --json. */
export interface RunSummary {
  changed: Array<{ step: string; title: string; target: string; statement: string; at: string; durationMs: number }>;
  skipped: Array<{ step: string; title: string; reason: string }>;
  /** Action steps the run never reached. */
  notAttempted: Array<{ step: string; title: string }>;
  audit: { runId: string; head?: string };
}

export interface ExecuteOptions {
  runId: string;
  runbook: Runbook;
  compiled: CompileResult;
  /** The plan the run executes: statements are sent exactly as the plan shows them. */
  plan: Plan;
  values: Record<string, ParamValue>;
  targets: RunTargets;
  /** Not consulted in `check` mode. */
  prompter: Prompter;
  audit: AuditSink;
  /** Omitted in `check` mode (nothing to resume). */
  journal?: Journal;
  clock: Clock;
  /** Timers for the statechart's delays; default xstate's (system) timers. */
  timers?: Timers;
  /** Ctrl-C: cancels the running statement (TDS attention), records the stop, leaves the run resumable. */
  signal: AbortSignal;
  mode: RunMode;
  operator: string;
  host: string;
  /** Written to the run-start record of an unattended run. */
  approval?: RunStartEvent['approval'];
  /** Written to the run-start record of `agmedic run plan.json`. */
  fromPlan?: { file: string; fingerprint?: string };
  /** Continue a run from its journal (`agmedic resume`). */
  resume?: { snapshot: string; entries: readonly JournalEntry[]; /** The facts log (`Journal.appendFacts`). */ facts?: string };
  onProgress?: (progress: WaitProgress) => void;
  onNotice?: (notice: RunNotice) => void;
}

/** How a run ended. `interrupted`: stopped by a signal; resumable. `stopped`: check mode reached a non-read-only step. */
export type RunOutcome = Outcome | 'interrupted' | 'stopped';

export interface RouteEntry {
  step: string;
  /** The edge that left the step: next, skip, onFail, fail, decline, choice, timeout, end … */
  via?: string;
}

export interface RunResult {
  runId: string;
  outcome: RunOutcome;
  message: string;
  /** The end step, or the step where the run failed, stopped or was interrupted. */
  step?: string;
  /** Error code when the run failed on an error (SQL_ERROR, STEP_TIMEOUT, WAIT_TIMEOUT, CHECK_FAILED …). */
  code?: string;
  /** Steps in the order entered, with how each was left. */
  route: RouteEntry[];
  /** Query results by step and role, as CEL saw them. */
  facts: Record<string, unknown>;
  /** Check mode: where and why it stopped. */
  stoppedAt?: { step: string; phase: string; reason: 'confirm' | 'action' | 'decide' | 'wait' };
  /** In-doubt steps settled on resume. */
  inDoubt: Array<{ step: string; target: string; resolution: 'done' | 'not-done' }>;
  /** Changed / skipped / not attempted, and where the audit log stands. */
  summary?: RunSummary;
}
