/**
 * The audit log: hash-chained JSON lines, redaction, verification and display. Implements the
 * AuditSink port; wired in by cli/ only.
 *
 * @example
 * import { openAuditLog, verifyAuditLog } from '../audit/index.js';
 * const sink = await openAuditLog();            // ~/.agmedic/audit.jsonl
 * await sink.append({ type: 'skip', runId, step: 'demote', reason: 'already secondary' });
 * await sink.close();
 * const result = await verifyAuditLog(sink.path);
 */
export { openAuditLog, defaultAuditLogPath, FileAuditSink, type OpenAuditLogOptions } from './open-audit-log.js';
export { findHeadRecord, verifyAuditLog } from './verify-audit-log.js';
export { readAuditLog } from './read-audit-log.js';
export { formatAuditTimeline, formatRunList, summariseRuns, type FormatOptions, type RunSummary } from './format-audit-timeline.js';
export { redact, redactString, REDACTED, SENSITIVE_KEY } from './redact.js';
export { encodeRecord } from './encode-record.js';
export type { LockOptions } from './file-lock.js';
export { GENESIS, type AuditRecord, type ChainBreak, type ChainFields, type VerifyResult } from './types.js';
export type * from '../ports/audit-event.js';
