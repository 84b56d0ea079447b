/**
 * Decides whether an unattended run may start. Checks run in a fixed order — shape, key,
 * signature, expiry, runbook, targets, parameters — so the first refusal is the most basic one,
 * and nothing from an unsigned or untrusted document is believed before its signature is checked.
 */
import { verify } from 'node:crypto';
import { AgmedicError } from '../../errors.js';
import { assertApprovalShape } from './check-approval-shape.js';
import { keyIdOf, parsePublicKey } from './keys.js';
import { signedBytes } from './sign-approval.js';
import type { Approval, ApprovalContext, ParameterConstraint } from './types.js';

/** Tolerated clock difference between the approver's machine and this one, for `issuedAt`. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Throws an AgmedicError with a distinct code for each reason to refuse; returns normally only
 * when the approval covers this runbook, every target and every parameter.
 *
 * @example
 * verifyApproval(await readApprovalFile(file), {
 *   trustedKeys: await readTrustedKeys(), runbook: { name, sha256 },
 *   targets: ['sql01.contoso.com'], parameters: { link: 'SalesLink' }, now: clock.now(),
 * });
 */
export function verifyApproval(approval: unknown, ctx: ApprovalContext): asserts approval is Approval {
  if (approval === undefined || approval === null) {
    throw new AgmedicError('APPROVAL_MISSING', 'an unattended run needs a signed approval (--approval FILE); none was given');
  }
  const a = assertApprovalShape(approval);

  const candidates = ctx.trustedKeys.filter((k) => keyIdOf(parsePublicKey(k.publicKeyPem, k.source ?? `trusted key ${k.keyId}`)) === a.keyId);
  if (candidates.length === 0) {
    throw new AgmedicError('APPROVAL_UNTRUSTED_KEY', `the approval is signed by key ${a.keyId}, which is not among the ${ctx.trustedKeys.length} trusted key(s)`, {
      details: { keyId: a.keyId },
    });
  }
  const bytes = signedBytes(a);
  const signature = Buffer.from(a.signature, 'base64');
  if (!candidates.some((k) => verify(null, bytes, parsePublicKey(k.publicKeyPem, k.source ?? k.keyId), signature))) {
    throw new AgmedicError('APPROVAL_BAD_SIGNATURE', `the approval's signature does not match its content: it was altered after signing (key ${a.keyId})`);
  }

  const now = ctx.now.getTime();
  if (now >= Date.parse(a.expiresAt)) {
    throw new AgmedicError('APPROVAL_EXPIRED', `the approval expired at ${a.expiresAt} (now ${ctx.now.toISOString()})`, { details: { expiresAt: a.expiresAt } });
  }
  if (Date.parse(a.issuedAt) - now > CLOCK_SKEW_MS) {
    throw new AgmedicError('APPROVAL_EXPIRED', `the approval is not valid before ${a.issuedAt} (now ${ctx.now.toISOString()})`, { details: { issuedAt: a.issuedAt } });
  }

  if (a.runbook.name !== ctx.runbook.name) {
    throw new AgmedicError('APPROVAL_WRONG_RUNBOOK', `the approval is for runbook "${a.runbook.name}", not "${ctx.runbook.name}"`);
  }
  if (a.runbook.sha256 !== ctx.runbook.sha256) {
    throw new AgmedicError(
      'APPROVAL_WRONG_RUNBOOK',
      `the runbook changed since it was approved: approved sha256 ${a.runbook.sha256}, now ${ctx.runbook.sha256}`,
    );
  }

  const allowed = new Set(a.targets.map(normaliseServer));
  for (const t of ctx.targets) {
    if (!allowed.has(normaliseServer(t))) {
      throw new AgmedicError('APPROVAL_WRONG_TARGET', `target ${t} is not covered by the approval (allowed: ${a.targets.join(', ')})`, {
        details: { target: t },
      });
    }
  }

  for (const [name, value] of Object.entries(ctx.parameters)) {
    if (value === undefined) continue;
    // hasOwn, not `in`: a parameter called "constructor" must not find Object.prototype's.
    if (!Object.hasOwn(a.parameters, name)) {
      throw paramError(name, value, 'is not covered by the approval (approvals list every parameter they allow)');
    }
    const problem = constraintViolation(value, a.parameters[name]!);
    if (problem) throw paramError(name, value, problem);
  }
}

/** Server names compare case-insensitively and without surrounding space ("SQL01,1433" = "sql01,1433"). */
function normaliseServer(s: string): string {
  return s.trim().toLowerCase();
}

function constraintViolation(value: unknown, c: ParameterConstraint): string | undefined {
  if (!(typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) {
    return 'has a value of a kind approvals cannot constrain';
  }
  if ('equals' in c && value !== c.equals) return `violates equals ${JSON.stringify(c.equals)}`;
  if (c.oneOf && !c.oneOf.includes(value)) return `violates oneOf ${JSON.stringify(c.oneOf)}`;
  if (c.pattern !== undefined && (typeof value !== 'string' || !new RegExp(`^(?:${c.pattern})$`, 'u').test(value))) {
    return `violates pattern ${JSON.stringify(c.pattern)}`;
  }
  if (c.min !== undefined && (typeof value !== 'number' || value < c.min)) return `violates min ${c.min}`;
  if (c.max !== undefined && (typeof value !== 'number' || value > c.max)) return `violates max ${c.max}`;
  return undefined;
}

function paramError(name: string, value: unknown, problem: string): AgmedicError {
  return new AgmedicError('APPROVAL_PARAM_CONSTRAINT', `parameter ${name}=${JSON.stringify(value)} ${problem}`, { details: { parameter: name } });
}
