/**
 * Structural check of an approval document. Unknown fields are refused, not ignored: a field this
 * version does not understand might be one a later version treats as a restriction.
 */
import { AgmedicError } from '../../errors.js';
import type { Approval } from './types.js';

const TOP = ['version', 'runbook', 'targets', 'parameters', 'approver', 'issuedAt', 'expiresAt', 'keyId', 'signature'];
const CONSTRAINT = ['equals', 'oneOf', 'pattern', 'min', 'max'];
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/;

/**
 * Throws `APPROVAL_FILE` naming the first problem, or returns the value typed as an Approval.
 *
 * @example
 * const approval = assertApprovalShape(JSON.parse(text), 'nightly.approval.json');
 */
export function assertApprovalShape(value: unknown, source = 'approval'): Approval {
  const problem = shapeProblem(value, { signed: true });
  if (problem) throw new AgmedicError('APPROVAL_FILE', `${source}: ${problem}`);
  return value as Approval;
}

/** The first structural problem of an approval (or, with signed false, of one about to be signed). */
export function shapeProblem(value: unknown, { signed }: { signed: boolean }): string | undefined {
  if (!isObject(value)) return 'not a JSON object';
  const expected = signed ? TOP : TOP.filter((k) => k !== 'signature');
  const extra = Object.keys(value).find((k) => !expected.includes(k));
  if (extra !== undefined) return `unknown field "${extra}"`;
  const missing = expected.find((k) => !(k in value));
  if (missing !== undefined) return `missing field "${missing}"`;
  if (value.version !== 1) return `version must be 1, not ${JSON.stringify(value.version)}`;
  const rb = value.runbook;
  if (!isObject(rb) || Object.keys(rb).length !== 2 || !nonEmpty(rb.name) || typeof rb.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(rb.sha256)) {
    return 'runbook must be { name, sha256 } with a 64-digit lowercase hex sha256';
  }
  if (!Array.isArray(value.targets) || value.targets.length === 0 || !value.targets.every(nonEmpty)) {
    return 'targets must be a non-empty list of server names';
  }
  if (!isObject(value.parameters)) return 'parameters must be an object of constraints';
  for (const [name, c] of Object.entries(value.parameters)) {
    const p = constraintProblem(c);
    if (p) return `parameters.${name}: ${p}`;
  }
  if (!nonEmpty(value.approver)) return 'approver must be a non-empty string';
  for (const k of ['issuedAt', 'expiresAt'] as const) {
    const v = value[k];
    if (typeof v !== 'string' || !ISO.test(v) || !Number.isFinite(Date.parse(v))) return `${k} must be an ISO 8601 UTC time`;
  }
  if (Date.parse(value.expiresAt as string) <= Date.parse(value.issuedAt as string)) return 'expiresAt must be after issuedAt';
  if (typeof value.keyId !== 'string' || !/^[0-9a-f]{16}$/.test(value.keyId)) return 'keyId must be 16 lowercase hex digits';
  if (signed && (typeof value.signature !== 'string' || !/^[A-Za-z0-9+/]{86}==$/.test(value.signature))) {
    return 'signature must be a base64 Ed25519 signature';
  }
  return undefined;
}

function constraintProblem(c: unknown): string | undefined {
  if (!isObject(c)) return 'a constraint must be an object';
  const keys = Object.keys(c);
  const extra = keys.find((k) => !CONSTRAINT.includes(k));
  if (extra !== undefined) return `unknown constraint "${extra}"`;
  // An empty constraint would silently allow any value; an approver who means that writes pattern ".*".
  if (keys.length === 0) return 'needs at least one of equals, oneOf, pattern, min, max';
  if ('equals' in c && !isScalar(c.equals)) return 'equals must be a string, number or boolean';
  if ('oneOf' in c && (!Array.isArray(c.oneOf) || c.oneOf.length === 0 || !c.oneOf.every(isScalar))) {
    return 'oneOf must be a non-empty list of strings, numbers or booleans';
  }
  if ('pattern' in c) {
    if (typeof c.pattern !== 'string') return 'pattern must be a string';
    try {
      new RegExp(c.pattern, 'u');
    } catch {
      return `pattern ${JSON.stringify(c.pattern)} is not a valid regular expression`;
    }
  }
  for (const k of ['min', 'max'] as const) {
    if (k in c && (typeof c[k] !== 'number' || !Number.isFinite(c[k]))) return `${k} must be a finite number`;
  }
  if (typeof c.min === 'number' && typeof c.max === 'number' && c.min > c.max) return 'min is greater than max';
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nonEmpty(v: unknown): v is string {
  return typeof v === 'string' && v.trim() !== '';
}

function isScalar(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}
