/** Produces a signed approval (`agmedic approve`). */
import { createPublicKey, sign } from 'node:crypto';
import { AgmedicError } from '../../errors.js';
import { canonicalJson } from '../../runbook/canonical.js';
import { shapeProblem } from './check-approval-shape.js';
import { keyIdOf, parsePrivateKey } from './keys.js';
import type { Approval, ApprovalInput } from './types.js';

/**
 * Signs what the approver decided. Refuses (`USAGE`) input that would not verify, so a bad
 * approval is caught when it is written rather than at 3 a.m. when the scheduler runs.
 *
 * @example
 * const approval = signApproval({
 *   runbook: { name: 'split-brain-recovery', sha256 },
 *   targets: ['sql01.contoso.com', 'mi-prod.abc123.database.windows.net'],
 *   parameters: { link: { equals: 'SalesLink' }, keep: { oneOf: ['managedInstance'] } },
 *   approver: 'alice@contoso.com',
 *   issuedAt: new Date(), expiresAt: '2025-01-31T00:00:00Z',
 * }, privateKeyPem);
 */
export function signApproval(input: ApprovalInput, privateKeyPem: string): Approval {
  const key = parsePrivateKey(privateKeyPem);
  const unsigned = {
    version: 1 as const,
    runbook: { name: input.runbook.name, sha256: input.runbook.sha256 },
    targets: [...input.targets],
    parameters: input.parameters,
    approver: input.approver,
    issuedAt: iso(input.issuedAt, 'issuedAt'),
    expiresAt: iso(input.expiresAt, 'expiresAt'),
    keyId: keyIdOf(createPublicKey(key)),
  };
  const problem = shapeProblem(unsigned, { signed: false });
  if (problem) throw new AgmedicError('USAGE', `cannot sign this approval: ${problem}`);
  const signature = sign(null, Buffer.from(canonicalJson(unsigned), 'utf8'), key).toString('base64');
  return { ...unsigned, signature };
}

/** The bytes a signature covers: the canonical JSON of every field but `signature`. */
export function signedBytes(approval: Approval): Buffer {
  const { signature: _signature, ...unsigned } = approval;
  return Buffer.from(canonicalJson(unsigned), 'utf8');
}

function iso(v: Date | string, field: string): string {
  const ms = v instanceof Date ? v.getTime() : Date.parse(v);
  if (!Number.isFinite(ms)) throw new AgmedicError('USAGE', `${field}: ${String(v)} is not a date`);
  return new Date(ms).toISOString();
}
