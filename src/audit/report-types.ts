/**
 * The data a run report is made of. The CLI gathers it (audit records, the run's journal, the
 * runbook's step graph as plain data) so that audit/ stays free of the compiler and the runtime:
 * it renders what it is given and reads nothing else.
 */
import type { AuditRecord, VerifyResult } from './types.js';

/** One step of the runbook as the route picture and the timeline need it. */
export interface ReportStep {
  id: string;
  title: string;
  kind: 'check' | 'action' | 'wait' | 'decide' | 'end';
  impact?: 'change' | 'destructive';
  /** `end` steps: the outcome they finish with. */
  outcome?: string;
  /** Steps whose facts the confirmation showed (`confirm.evidence`). */
  evidence?: string[];
  /** Steps whose facts its `when` and its choices read: what decided a skip or a choice. */
  decidedBy?: string[];
  /** `wait` steps: the row fields its `until` reads (`rows[0].health` → health), shown as `health: A → B`. */
  watch?: string[];
}

/** The runbook's statechart folded to steps: an edge for every way one step can lead to another. */
export interface ReportGraph {
  steps: ReportStep[];
  edges: Array<{ from: string; to: string; kind: string }>;
}

/** One line of the run's facts log (journal): the value a step's query returned, in order. */
export interface FactLine {
  step: string;
  value: unknown;
}

/** What the journal says about a run (all optional: the report works from the audit log alone). */
export interface ReportJournal {
  status?: 'running' | 'interrupted' | 'finished';
  /** The OS account that started the process (the manifest's operator before any policy name). */
  osUser?: string;
  runbookRef?: string;
  facts: FactLine[];
  /** Journalled changes (intent → outcome), to show in-doubt ones. */
  changes: Array<{ key: string; step: string; target: string; text: string; status?: string }>;
}

export interface ReportInput {
  /** The run's records, in log order. */
  records: readonly AuditRecord[];
  auditPath: string;
  /** The whole log's chain check, and its head. */
  chain: VerifyResult;
  journal?: ReportJournal;
  graph?: ReportGraph;
  /** Why the graph is missing (runbook changed since the run, not found). */
  graphNote?: string;
  /** Whether a process still holds the run (from the lock/journal): "running" beats "unfinished". */
  live?: boolean;
}

export type EntryKind = 'query' | 'step' | 'skip' | 'query-error' | 'change' | 'azure' | 'wait' | 'prompt' | 'decision' | 'abort' | 'in-doubt' | 'end' | 'refused' | 'notify-failed';

/** One line of a timeline, as `audit show` prints it and the report details it. */
export interface TimelineEntry {
  kind: EntryKind;
  at: string;
  step?: string;
  /** One line, plain text. */
  summary: string;
  /** Whether this is bad news (failed, aborted, error): rendered red. */
  tone?: 'good' | 'bad' | 'warn';
  durationMs?: number;
  /** change/query-error/azure: where and what exactly. */
  target?: string;
  server?: string;
  statement?: string;
  parameters?: Record<string, unknown>;
  /** change: what its verify said. */
  verify?: 'ok' | 'failed' | 'not run';
  /** prompt/decision/skip: facts shown or deciding, by step. */
  facts?: Record<string, unknown>;
  answer?: string;
  by?: string;
  /** SQL Server's error number. */
  errorNumber?: number;
  /** step: what kind of step and its result. */
  result?: string;
  queries?: number;
}

/** The header of a report. */
export interface RunHeader {
  runId: string;
  runbook?: { name: string; sha256: string };
  parameters: Record<string, unknown>;
  mode?: string;
  operator?: string;
  osUser?: string;
  host?: string;
  service?: string;
  approval?: { id?: string; keyId: string; approver: string; expiresAt: string };
  targets: Array<{ name: string; server: string }>;
  /** fixed, failed, …, or running / interrupted / unfinished. */
  outcome: string;
  message?: string;
  start: string;
  end?: string;
  durationMs?: number;
  auditPath: string;
  /** The hash of the run's last record, and of the whole log's last record. */
  runHead?: string;
  logHead?: string;
  chainOk: boolean;
  chainDetail: string;
}

/** A change as a change ticket lists it. */
export interface ChangeRow {
  at: string;
  step: string;
  title?: string;
  target: string;
  server: string;
  statement: string;
  parameters: Record<string, unknown>;
  durationMs?: number;
  result: string;
  errorNumber?: number;
  verify: 'ok' | 'failed' | 'not run';
}

export interface RunReport {
  header: RunHeader;
  timeline: TimelineEntry[];
  changes: ChangeRow[];
  /** Steps in the order the run entered them; `via` how each was left. */
  route: Array<{ step: string; result: string }>;
  graph?: ReportGraph;
  graphNote?: string;
  /** Refused attempts and failed notifications of this run. */
  notes: string[];
}
