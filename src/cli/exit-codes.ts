import type { ErrorCode } from '../errors.js';

/**
 * Process exit codes, documented in the README. Scripts branch on these, so they never change
 * meaning; new situations get new numbers.
 */
export const EXIT = {
  ok: 0,
  /** The input has problems: an invalid runbook, a missing or ill-typed parameter. */
  invalid: 1,
  /** The command line itself is wrong. */
  usage: 2,
  /** A runbook, file, plan or run id that does not exist. */
  notFound: 3,
  /** Refused before changing anything: approval, no TTY, lock held, stale plan. */
  refused: 4,
  /** A run started and failed (a check, a statement, a timeout). */
  failed: 5,
  /** The operator aborted, or Ctrl-C. */
  aborted: 6,
  /** A target could not be reached or logged in to. */
  unreachable: 7,
  /** The audit log does not verify. */
  auditBroken: 8,
  /** `agmedic diagnose` found at least one critical finding (an unreachable target counts). */
  critical: 9,
  /** An approval is missing, expired, forged, or does not cover this run (10–15: which one). */
  approvalMissing: 10,
  approvalBadSignature: 11,
  approvalExpired: 12,
  approvalWrongRunbook: 13,
  approvalWrongTarget: 14,
  approvalParamConstraint: 15,
  /** The approval's id is on the revocation list. */
  approvalRevoked: 16,
  /** A bug in agmedic. */
  internal: 70,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const byCode: Partial<Record<ErrorCode, ExitCode>> = {
  USAGE: EXIT.usage,
  UNKNOWN_PARAM_VALUE: EXIT.usage,
  RUNBOOK_NOT_FOUND: EXIT.notFound,
  FILE_READ: EXIT.notFound,
  RUN_NOT_FOUND: EXIT.notFound,
  PLAN_FILE: EXIT.notFound,
  NO_TTY: EXIT.refused,
  LOCK_HELD: EXIT.refused,
  LOCK_LOST: EXIT.refused,
  PLAN_STALE: EXIT.refused,
  RUNBOOK_CHANGED: EXIT.refused,
  TARGETS_CHANGED: EXIT.refused,
  SECRET_MISSING: EXIT.refused,
  CHECK_FAILED: EXIT.failed,
  VERIFY_FAILED: EXIT.failed,
  SQL_ERROR: EXIT.failed,
  AZURE_ERROR: EXIT.failed,
  STEP_TIMEOUT: EXIT.failed,
  WAIT_TIMEOUT: EXIT.failed,
  IN_DOUBT: EXIT.failed,
  ABORTED: EXIT.aborted,
  CANCELLED: EXIT.aborted,
  CONNECT_FAILED: EXIT.unreachable,
  LOGIN_FAILED: EXIT.unreachable,
  AUDIT_CHAIN_BROKEN: EXIT.auditBroken,
  AUDIT_PARSE: EXIT.auditBroken,
  APPROVAL_MISSING: EXIT.approvalMissing,
  APPROVAL_FILE: EXIT.approvalMissing,
  APPROVAL_BAD_SIGNATURE: EXIT.approvalBadSignature,
  APPROVAL_UNTRUSTED_KEY: EXIT.approvalBadSignature,
  // A trusted-keys folder that cannot be trusted (writable by others, unreadable, a bad key in it)
  // refuses the approval like an untrusted key would: schedulers branch on 10–15.
  TRUSTED_KEYS: EXIT.approvalBadSignature,
  APPROVAL_EXPIRED: EXIT.approvalExpired,
  APPROVAL_WRONG_RUNBOOK: EXIT.approvalWrongRunbook,
  APPROVAL_WRONG_TARGET: EXIT.approvalWrongTarget,
  APPROVAL_PARAM_CONSTRAINT: EXIT.approvalParamConstraint,
  APPROVAL_REVOKED: EXIT.approvalRevoked,
  INTERNAL: EXIT.internal,
};

/** Any code not listed is a problem with the input (a runbook or parameter error). */
export function exitCodeFor(code: ErrorCode): ExitCode {
  return byCode[code] ?? EXIT.invalid;
}
