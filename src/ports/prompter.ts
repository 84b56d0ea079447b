/**
 * How the runtime asks a person (or a policy) before it acts. Guided mode implements this with
 * inquirer (adapters/inquirer-prompter.ts); unattended mode with a policy that answers from a
 * verified approval (runtime/prompt/unattended-prompter.ts). The runtime never branches on the mode:
 * it always asks its Prompter.
 *
 * @example
 * const answer = await prompter.confirm(request, signal);
 * if (answer.answer === 'run') actor.send({ type: 'CONFIRM', typed: answer.typed });
 */

/** One value shown to the operator as evidence before a step runs. */
export interface EvidenceItem {
  /** `roles.sqlserver`, `lsnGap`, … */
  label: string;
  value: unknown;
}

/** Where a step sends what: one entry per target role. */
export interface ConfirmTarget {
  role: string;
  /** `sqlserver (127.0.0.1,11433)` or `mi (arm: rg/mi)`; never credentials. */
  server: string;
}

export interface ConfirmRequest {
  runId: string;
  step: string;
  title: string;
  description?: string;
  impact: 'change' | 'destructive';
  targets: ConfirmTarget[];
  /** The exact T-SQL text sent (as in the plan) and the values bound to its `@name` parameters. */
  statement?: { sql: string; params: Record<string, unknown> };
  /** The Azure call and its resolved body. */
  azure?: { operation: string; link: string; body?: unknown };
  evidence: EvidenceItem[];
  /** When (ISO) and where the evidence was read, immediately before this prompt. */
  evidenceRead?: { at: string; on: string[] };
  /** Evidence that differs from what the run read when it chose this route (the world moved). */
  evidenceChanged?: string[];
  message?: string;
  /** The operator must type `expected` (the value of parameter `param`) to run the step. */
  typeToConfirm?: { param: string; expected: string };
  /** Set when the previous answer was refused (e.g. the typed name did not match). */
  retryReason?: string;
}

/** `pause`: stop here, resumable (`agmedic resume`); `abort`: final, the run cannot be resumed. */
export type ConfirmAnswer = { answer: 'run'; typed?: string } | { answer: 'skip' } | { answer: 'abort' } | { answer: 'pause' };

export interface DecideRequest {
  runId: string;
  step: string;
  title: string;
  prompt: string;
  choices: Array<{ index: number; label: string; next: string }>;
  /** The first choice whose `when` holds: preselected when guided, taken when unattended. */
  policyChoice?: number;
  evidence: EvidenceItem[];
}

export type DecideAnswer = { answer: 'choose'; index: number } | { answer: 'abort' } | { answer: 'pause' };

export interface Prompter {
  /** Recorded as `mode` in the audit log. */
  readonly kind: 'guided' | 'unattended' | 'scripted';
  /** Who answers: the OS user at the terminal, or `policy:<approver>` unattended. */
  readonly operator: string;
  /** Asks before a confirmed (change or destructive) step. Rejects with `CANCELLED` on abort. */
  confirm(request: ConfirmRequest, signal: AbortSignal): Promise<ConfirmAnswer>;
  /** Asks which branch a `decide` step takes. Rejects with `CANCELLED` on abort. */
  decide(request: DecideRequest, signal: AbortSignal): Promise<DecideAnswer>;
}
