/**
 * What the runtime tells the audit log. Each event is one thing that happened in one run; the
 * sink adds `seq`, `ts`, `prev` and `hash`. A DBA reading the log afterwards must be able to tell
 * exactly what was sent where, who answered what, and how each step ended, so statements carry
 * their full text and bound parameters (redacted by key name before writing).
 *
 * Field names `seq`, `ts`, `prev` and `hash` are reserved for the chain.
 *
 * @example
 * const event: AuditEvent = {
 *   type: 'statement', runId, step: 'roles', target: 'sqlserver', server: 'sql01,1433',
 *   text: 'SELECT … WHERE ag.name = @link', parameters: { link: 'SalesLink' },
 *   durationMs: 12, outcome: { status: 'ok', rowCount: 1 },
 * };
 */
export type AuditEvent =
  | RunStartEvent
  | StatementEvent
  | AzureCallEvent
  | PromptEvent
  | StepEvent
  | SkipEvent
  | AbortEvent
  | InDoubtEvent
  | RunEndEvent
  | RefusedEvent
  | NotifyFailedEvent;

export type AuditEventType = AuditEvent['type'];

interface EventBase {
  /** Groups the records of one run; `agmedic audit show RUN_ID` filters on it. */
  runId: string;
}

/** The first record of a run: what is about to run, how, by whom, against what. */
export interface RunStartEvent extends EventBase {
  type: 'run-start';
  runbook: { name: string; sha256: string };
  parameters: Record<string, unknown>;
  mode: 'guided' | 'unattended' | 'resume' | 'check';
  operator: string;
  host: string;
  /** Names and servers only: credentials never belong here. */
  targets: Array<{ name: string; server: string }>;
  /**
   * Which signed approval allowed an unattended run, and beside it who actually started the
   * process: the OS account and the service identity (scheduler, CI job) it ran under.
   */
  approval?: {
    keyId: string;
    approver: string;
    expiresAt: string;
    /** Short id of the approval (sha256 of its signature); what a revocation list names. */
    id?: string;
    osUser?: string;
    service?: string;
  };
  /** `agmedic run plan.json`: the plan run, and the fingerprint found fresh before anything changed. */
  plan?: { file: string; fingerprint?: string };
}

/** One T-SQL batch sent to a target, with its outcome. */
export interface StatementEvent extends EventBase {
  type: 'statement';
  step: string;
  target: string;
  server: string;
  text: string;
  parameters: Record<string, unknown>;
  durationMs: number;
  outcome: { status: 'ok'; rowCount: number } | { status: 'error'; number: number; message: string };
}

/** One Azure Resource Manager request on the link resource. */
export interface AzureCallEvent extends EventBase {
  type: 'azure-call';
  step: string;
  target: string;
  method: string;
  path: string;
  apiVersion: string;
  body?: unknown;
  status: number;
  durationMs: number;
}

/** A question put to the operator (or to the unattended policy) and the answer given. */
export interface PromptEvent extends EventBase {
  type: 'prompt';
  step: string;
  question: string;
  answer: string;
  operator: string;
}

/** A step entering a phase or finishing one. */
export interface StepEvent extends EventBase {
  type: 'step';
  step: string;
  phase: 'start' | 'precheck' | 'confirm' | 'action' | 'verify' | 'end';
  outcome?: 'ok' | 'failed' | 'timeout' | 'declined';
}

/** A step not run, and why (its `when` was false, or verify showed it was already done). */
export interface SkipEvent extends EventBase {
  type: 'skip';
  step: string;
  reason: string;
}

/** The run stopped early. */
export interface AbortEvent extends EventBase {
  type: 'abort';
  step?: string;
  by: 'operator' | 'signal' | 'error' | 'policy';
  reason: string;
  code?: string;
}

/** A destructive step whose outcome is unknown; `resolution` is recorded when resume settles it. */
export interface InDoubtEvent extends EventBase {
  type: 'in-doubt';
  step: string;
  target: string;
  reason: string;
  resolution?: 'done' | 'not-done' | 'unknown';
}

/** The last record of a run. */
export interface RunEndEvent extends EventBase {
  type: 'run-end';
  outcome: string;
  message: string;
}

/**
 * A run refused before it started (approval missing, expired, altered, revoked, not covering a
 * target or a parameter; no terminal for a runbook that asks). Its own run id, so it shows in the
 * run list; nothing was opened or changed.
 */
export interface RefusedEvent extends EventBase {
  type: 'refused';
  runbook: { name: string; sha256: string };
  mode: 'guided' | 'unattended';
  /** The AgmedicError code of the refusal (APPROVAL_EXPIRED, NO_TTY, …). */
  code: string;
  reason: string;
  osUser: string;
  host: string;
  service?: string;
  parameters: Record<string, unknown>;
  targets: Array<{ name: string; server: string }>;
  /** What is known of the approval presented: its file, and once read its id, key and approver. */
  approval?: { file?: string; id?: string; keyId?: string; approver?: string; expiresAt?: string };
}

/** A notification that could not be delivered; the run went on. The endpoint is its origin only (a webhook path is a secret). */
export interface NotifyFailedEvent extends EventBase {
  type: 'notify-failed';
  endpoint: string;
  /** Which notification: run-start, prompt, change, run-end. */
  event: string;
  reason: string;
}
