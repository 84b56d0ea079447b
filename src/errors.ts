/**
 * Every error agmedic reports carries a code from one closed union, so scripts and tests match on
 * codes rather than prose. Runbook errors also carry a source range; line and column are computed
 * only when displaying (as the `yaml` package's `prettifyError` does).
 *
 * To add a code, add one line to the section of the stage that raises it.
 */
export const ERROR_CODES = [
  // --- runbook loading (src/runbook) ---
  'YAML_SYNTAX',
  'SCHEMA',
  'BAD_API_VERSION',
  'BAD_KIND',
  'MISSING_FIELD',
  'UNKNOWN_FIELD',
  'BAD_TYPE',
  'BAD_VALUE',
  'DUPLICATE_STEP_ID',
  'DUPLICATE_KEY',
  'BAD_STEP_ID',
  'BAD_STEP_BODY',
  'BAD_DURATION',
  'BAD_CEL',
  'CEL_TYPE',
  'BAD_SQL_TEMPLATE',
  'BAD_IDENTIFIER',
  'BAD_LITERAL',
  'UNKNOWN_PARAM',
  'UNKNOWN_TARGET',
  'UNKNOWN_STEP',
  'UNKNOWN_FACT',
  'FACT_BEFORE_PRODUCED',
  'DESTRUCTIVE_WITHOUT_CONFIRM',
  'CHANGE_WITHOUT_VERIFY',
  'CHANGE_OUTSIDE_ACTION',
  'BAD_CONFIRM',
  'BAD_AZURE_OPERATION',
  'RUNBOOK_NOT_FOUND',
  'FILE_READ',
  'RUNBOOK_TOO_LARGE',
  // --- compiling and static analysis (src/compile) ---
  'UNREACHABLE_STEP',
  'UNBOUNDED_CYCLE',
  'NO_END',
  'UNSAFE_DESTRUCTIVE_ENTRY',
  'SKIP_REACHES_FIXED',
  'UNVERIFIED_FIXED',
  'MISSING_PARAM',
  'BAD_PARAM_VALUE',
  'UNKNOWN_PARAM_VALUE',
  // --- runtime (src/runtime, src/adapters) ---
  'TARGETS_FILE',
  'TARGET_MISSING',
  'CONNECT_FAILED',
  'LOGIN_FAILED',
  'SQL_ERROR',
  'AZURE_ERROR',
  'CHECK_FAILED',
  'VERIFY_FAILED',
  'STEP_TIMEOUT',
  'WAIT_TIMEOUT',
  'ABORTED',
  'CANCELLED',
  'NO_TTY',
  'PLAN_STALE',
  'PLAN_FILE',
  'LOCK_HELD',
  'LOCK_LOST',
  'RUN_NOT_FOUND',
  'RUNBOOK_CHANGED',
  'TARGETS_CHANGED',
  'IN_DOUBT',
  'SECRET_MISSING',
  // --- approvals ---
  'APPROVAL_MISSING',
  'APPROVAL_BAD_SIGNATURE',
  'APPROVAL_EXPIRED',
  'APPROVAL_WRONG_RUNBOOK',
  'APPROVAL_WRONG_TARGET',
  'APPROVAL_PARAM_CONSTRAINT',
  'APPROVAL_UNTRUSTED_KEY',
  'APPROVAL_FILE',
  'APPROVAL_REVOKED',
  'KEY_FILE',
  'TRUSTED_KEYS',
  // --- audit ---
  'AUDIT_WRITE',
  'AUDIT_CHAIN_BROKEN',
  'AUDIT_PARSE',
  // --- diagnose ---
  'RULE_FILE',
  // --- lab ---
  'LAB_SCENARIO',
  'LAB_PORT_IN_USE',
  'LAB_CONTROL',
  'LAB_TLS',
  'LAB_TDS_PROTOCOL',
  'LAB_ARM',
  'LAB_SQL_ERROR',
  'LAB_CONTROL_AUTH',
  // --- cli ---
  'USAGE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** A half-open span of UTF-16 offsets in a source text. */
export interface SourceRange {
  start: number;
  end: number;
}

export interface SourceFile {
  /** Display name: the path as the user gave it, or a shipped runbook's name. */
  name: string;
  text: string;
}

export type Severity = 'error' | 'warning';

/** One problem found while loading or compiling; many are collected before anything throws. */
export interface Diagnostic {
  code: ErrorCode;
  message: string;
  severity: Severity;
  source?: SourceFile;
  range?: SourceRange;
  /** Path of the offending node in the runbook document, e.g. ['steps', 3, 'action', 'sql']. */
  path?: readonly (string | number)[];
}

/**
 * The base of every error agmedic throws. Throw only at the edges; inside a stage, collect
 * {@link Diagnostic}s instead.
 *
 * @example
 * throw new AgmedicError('UNKNOWN_STEP', 'step "demote" jumps to unknown step "promote"');
 */
export class AgmedicError extends Error {
  readonly code: ErrorCode;
  readonly diagnostics: readonly Diagnostic[];
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { diagnostics?: readonly Diagnostic[]; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AgmedicError';
    this.code = code;
    this.diagnostics = options.diagnostics ?? [];
    this.details = options.details;
  }

  /** Turns a list of diagnostics into one error, coded after the first. */
  static fromDiagnostics(diagnostics: readonly Diagnostic[], summary?: string): AgmedicError {
    const first = diagnostics[0];
    const code = first?.code ?? 'INTERNAL';
    const count = diagnostics.filter((d) => d.severity === 'error').length;
    return new AgmedicError(code, summary ?? `${count} problem${count === 1 ? '' : 's'} found`, { diagnostics });
  }
}

export function isAgmedicError(err: unknown): err is AgmedicError {
  return err instanceof AgmedicError;
}

/** 1-based line and column of an offset; computed only for display. */
export function lineColOf(text: string, offset: number): { line: number; col: number; lineStart: number; lineEnd: number } {
  let line = 1;
  let lineStart = 0;
  const limit = Math.min(Math.max(offset, 0), text.length);
  for (let i = 0; i < limit; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  let lineEnd = text.indexOf('\n', lineStart);
  if (lineEnd === -1) lineEnd = text.length;
  if (lineEnd > lineStart && text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
  return { line, col: limit - lineStart + 1, lineStart, lineEnd };
}

/**
 * `file:line:col  CODE  message`, then the source line and a caret under the offending span.
 *
 * @example
 * formatDiagnostic(d)
 * // runbooks/x.yaml:12:15  UNKNOWN_STEP  next: "promote" is not a step of this runbook
 * //    12 |     next: promote
 * //       |           ^^^^^^^
 */
export function formatDiagnostic(d: Diagnostic): string {
  // A problem with no place in a file (a -p value, a missing parameter) is the command's own.
  if (!d.source) return `agmedic: ${d.code}  ${d.message}`;
  const where = d.source.name;
  if (!d.range) return `${where}  ${d.code}  ${d.message}`;
  const { text } = d.source;
  const { line, col, lineStart, lineEnd } = lineColOf(text, d.range.start);
  const lineText = text.slice(lineStart, lineEnd);
  const spanEnd = Math.min(Math.max(d.range.end, d.range.start + 1), lineEnd);
  const width = Math.max(1, spanEnd - d.range.start);
  const gutter = String(line).length;
  const pad = ' '.repeat(gutter);
  const caretLine = lineText.slice(0, col - 1).replace(/[^\t]/g, ' ') + '^'.repeat(width);
  return [
    `${where}:${line}:${col}  ${d.code}  ${d.message}`,
    ` ${String(line)} | ${lineText}`,
    ` ${pad} | ${caretLine}`,
  ].join('\n');
}

/** Formats every diagnostic, errors first in source order. */
export function formatDiagnostics(diagnostics: readonly Diagnostic[]): string {
  const sorted = [...diagnostics].sort(
    (a, b) =>
      (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1) ||
      (a.source?.name ?? '').localeCompare(b.source?.name ?? '') ||
      (a.range?.start ?? 0) - (b.range?.start ?? 0),
  );
  // Source excerpts need a blank line between them; one-line problems read better as a list.
  return sorted.map((d, i) => (i > 0 && d.source && d.range ? `\n${formatDiagnostic(d)}` : formatDiagnostic(d))).join('\n');
}

/**
 * Characters that make text display as something else: bidirectional controls (a name can show
 * reversed, `SalesLink` could be `kniLselaS` spelt backwards behind U+202E), zero-width characters
 * (two names that look equal differ), and the BOM. Shown as `\u{…}` escapes wherever agmedic
 * prints text an operator reads and compares.
 */
export const INVISIBLE_CHARS = /[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/**
 * `text` with every bidirectional or zero-width character escaped as `\uXXXX` — also a valid JSON
 * string escape, so it is safe on JSON output too (parsing gives the original character back).
 *
 * @example
 * showInvisible('Sales\u202eLink') // 'Sales\\u202eLink'
 */
export function showInvisible(text: string): string {
  return text.replace(INVISIBLE_CHARS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** True when `text` holds a character {@link showInvisible} would escape. */
export function hasInvisible(text: string): boolean {
  INVISIBLE_CHARS.lastIndex = 0;
  const found = INVISIBLE_CHARS.test(text);
  INVISIBLE_CHARS.lastIndex = 0;
  return found;
}
