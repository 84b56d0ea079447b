/**
 * The run's own record, kept so a run can be resumed: a manifest (what runs, how), the latest actor
 * snapshot, and an append-only intent → outcome journal of every statement that changes something.
 * Implemented over files in the run's directory by adapters/file-journal.ts.
 *
 * @example
 * await journal.append({ type: 'intent', key: 'demote#1@sqlserver', step: 'demote', target: 'sqlserver', at, text });
 * // … send the statement …
 * await journal.append({ type: 'outcome', key: 'demote#1@sqlserver', status: 'ok', at });
 */

import type { AzureOperationHandle } from './azure-link.js';

export interface RunManifest {
  runId: string;
  runbook: {
    name: string;
    /** Canonical content hash (what approvals sign). */
    sha256: string;
    /** The file or shipped name the run was started with. */
    ref: string;
    /** sha256 of the file's bytes at start: resume refuses when it differs. */
    fileSha256: string;
  };
  parameters: Record<string, string | number | boolean>;
  /** The raw `-p` values, to resolve parameters again on resume. */
  rawParameters: Record<string, string>;
  targetsFile?: string;
  /**
   * What each role pointed at when the run started (`host,port`, plus the ARM resource): resume
   * refuses when the targets file now points a role elsewhere, since the journal's "done" and
   * "in doubt" are about those servers.
   */
  targetIdentity?: Record<string, string>;
  /** `--pair`: which link of a fleet's targets file the run is for. */
  pair?: string;
  auditFile: string;
  mode: 'guided' | 'unattended';
  /** Unattended: the approval and trusted keys files, checked again on resume. */
  approvalFile?: string;
  trustedKeysFile?: string;
  operator: string;
  host: string;
  startedAt: string;
}

/** The state of a run as its journal tells it. */
export type RunStatus = 'running' | 'interrupted' | 'finished';

export interface IntentEntry {
  type: 'intent';
  /** `<step>#<entry>@<target>`: unique per entry into the step, per target. */
  key: string;
  step: string;
  target: string;
  at: string;
  /** The statement text or `azure <operation> <link>`. */
  text: string;
}

export interface OutcomeEntry {
  type: 'outcome';
  key: string;
  at: string;
  /** `cancelled`: the statement was interrupted; whether it took effect is unknown (in doubt). */
  status: 'ok' | 'error' | 'cancelled';
  /** How an in-doubt intent was settled on resume (an Azure change: after following its operation to the end). */
  resolution?: 'verified-done' | 'verified-not-done';
  error?: { code: string; number?: number; message: string };
}

/**
 * ARM accepted the Azure change of `key` (202) and is carrying it out: where to poll it. Written
 * (durably) before the first poll, so after a crash resume follows this operation to its end instead
 * of sending the change again. The URLs hold no secret (ARM's operation URLs carry only ids).
 */
export interface AcceptedEntry {
  type: 'accepted';
  key: string;
  at: string;
  operation: AzureOperationHandle;
}

export interface StatusEntry {
  type: 'status';
  at: string;
  status: RunStatus;
  outcome?: string;
  message?: string;
}

export type JournalEntry = IntentEntry | AcceptedEntry | OutcomeEntry | StatusEntry;

export interface JournalState {
  manifest: RunManifest;
  entries: JournalEntry[];
  /** The last persisted snapshot (opaque text written by the runtime), if any. */
  snapshot?: string;
  /** The facts log (opaque lines written by the runtime with `appendFacts`), if any. */
  facts?: string;
}

/**
 * One run's journal. `append` is durable (fsync) before it resolves: the runtime writes an intent
 * before sending a change and relies on it after a crash.
 */
export interface Journal {
  readonly runId: string;
  /** Where the run's files live (for messages). */
  readonly location: string;
  append(entry: JournalEntry): Promise<void>;
  /** Replaces the stored snapshot atomically (write + rename); durable when `durable` is set. */
  saveSnapshot(snapshot: string, opts?: { durable?: boolean }): void;
  /**
   * Appends lines to the run's facts log (not fsync'd, like the snapshot). The runtime journals
   * each query result once, as it is recorded, and keeps facts out of the snapshot: a snapshot
   * carrying every fact would grow with the run and be rewritten at every step.
   */
  appendFacts(lines: string): void;
  read(): Promise<JournalState>;
  close(): Promise<void>;
}

/** Creates and opens journals by run id. */
export interface JournalStore {
  create(manifest: RunManifest): Promise<Journal>;
  /** Rejects with `RUN_NOT_FOUND` for an unknown id. */
  open(runId: string): Promise<Journal>;
}
