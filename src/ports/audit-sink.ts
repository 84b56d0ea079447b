import type { AuditEvent } from './audit-event.js';

/**
 * Where the runtime sends every audited action. The implementation (src/audit) stamps sequence
 * number, time and hash chain; the runtime only says what happened.
 *
 * @example
 * await sink.sync();                                   // before a destructive step
 * await sink.append({ type: 'step', runId, step: 'demote', phase: 'start' });
 * await sink.sync();                                   // and after it
 */
export interface AuditSink {
  /** Resolves once the record is written (not necessarily on disk: see {@link AuditSink.sync}). */
  append(record: AuditEvent): Promise<void>;
  /** Waits for pending appends, then forces them to stable storage. */
  sync(): Promise<void>;
  /** Flushes, syncs and releases the file; later appends reject. */
  close(): Promise<void>;
}
