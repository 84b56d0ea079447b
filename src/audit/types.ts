import type { AuditEvent } from '../ports/audit-event.js';

export type { AuditEvent, AuditEventType } from '../ports/audit-event.js';

/** The chain fields the sink adds to every event. */
export interface ChainFields {
  /** 1-based position in the file; continues across runs. */
  seq: number;
  /** ISO 8601 time from the sink's clock. */
  ts: string;
  /** `hash` of the previous line, or {@link GENESIS} for the first record of the file. */
  prev: string;
  /** Hex sha256 of `prev` + the line without its hash field; see encode-record.ts. */
  hash: string;
}

/** One line of the audit log, parsed. */
export type AuditRecord = AuditEvent & ChainFields;

/** Why `verifyAuditLog` refused a log. */
/** `truncated`: a head hash kept elsewhere (`audit verify --head`) is no longer in the chain. */
export type ChainBreak = 'edited' | 'deleted' | 'inserted' | 'reordered' | 'parse' | 'seq' | 'truncated';

/** The result of {@link verifyAuditLog}; `line` is 1-based. */
export type VerifyResult =
  | { ok: true; records: number; lastSeq: number; lastHash: string }
  | { ok: false; line: number; reason: ChainBreak; detail: string };

/** The `prev` of the first record in a file. */
export const GENESIS = '0'.repeat(64);
