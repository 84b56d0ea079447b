/**
 * A live plan: the dry-run {@link Plan} plus what `plan --live` saw — the route a run would take
 * from the current state, the read-only statements it sent to find out, and the fingerprint
 * (`runtime/fingerprint`) of the facts that route depended on. Saved with `--out plan.json`;
 * `agmedic run plan.json` refuses it when the fingerprint no longer matches.
 */
import type { Plan } from '../../compile/types.js';
import type { PlanFingerprint } from '../fingerprint/types.js';
import type { RunOutcome } from '../types.js';

export interface LiveRouteEntry {
  step: string;
  /** How the step was left: next, skip (its `when` was false), choice, fail, onFail, end … */
  via?: string;
  /** decide steps: the choice the policy took (as an unattended run would). */
  choice?: { index: number; label: string; next: string };
}

/** One read-only statement (or Azure GET) sent while making the plan. */
export interface LiveStatement {
  step: string;
  target: string;
  server: string;
  text: string;
  parameters: Record<string, unknown>;
  ok: boolean;
  /** Rows returned, or the error. */
  result: string;
}

export interface LivePlanSection {
  liveVersion: 1;
  /** When the facts were read (the injected clock). */
  madeAt: string;
  targets: Array<{ role: string; server: string }>;
  /** `stopped`: the route reached a step that would change something (or ask, or wait); see `stoppedAt`. */
  outcome: RunOutcome;
  message: string;
  code?: string;
  stoppedAt?: { step: string; phase: string; reason: string };
  route: LiveRouteEntry[];
  statements: LiveStatement[];
  /** Query results by step and role, as JSON (times as ISO strings). */
  facts: Record<string, unknown>;
  fingerprint: PlanFingerprint;
  /**
   * Where `agmedic run plan.json` finds the runbook again: an absolute path, or a shipped
   * runbook's name (set by the CLI; absent: the plan's runbook name, as a shipped runbook).
   */
  runbookRef?: string;
}

export type LivePlan = Plan & { live: LivePlanSection };
