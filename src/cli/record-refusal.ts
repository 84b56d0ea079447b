/**
 * Nothing unrecorded: a run refused before it started (approval missing, expired, altered, revoked,
 * not covering a target or parameter; no terminal) leaves an audit record of its own, with who
 * tried (OS account, host, service) and which approval was presented, then the refusal goes on.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { defaultAuditLogPath, openAuditLog } from '../audit/index.js';
import { isAgmedicError } from '../errors.js';
import type { RefusedEvent } from '../ports/audit-event.js';
import type { Clock } from '../ports/clock.js';
import { approvalIdOf } from '../runtime/approval/index.js';
import { newRunId } from '../runtime/index.js';
import { osAccount, serviceIdentity } from './run-identity.js';

export interface RefusalContext {
  auditFile: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  clock: Clock;
  runbook: { name: string; sha256: string };
  mode: 'guided' | 'unattended';
  parameters: Record<string, unknown>;
  targets: Array<{ name: string; server: string }>;
  approvalFile?: string;
}

/** What can be read of the approval presented, even when it is altered or expired. */
function approvalFacts(file: string | undefined): RefusedEvent['approval'] {
  if (file === undefined) return undefined;
  try {
    const a = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const str = (k: string): Record<string, string> => (typeof a[k] === 'string' ? { [k]: a[k] } : {});
    return { file, ...(typeof a.signature === 'string' ? { id: approvalIdOf({ signature: a.signature }) } : {}), ...str('keyId'), ...str('approver'), ...str('expiresAt') };
  } catch {
    return { file };
  }
}

/**
 * Appends the refusal; the caller rethrows. An audit write failure is added to the refusal's
 * message rather than replacing it: the operator must see both.
 */
export async function recordRefusal(err: unknown, ctx: RefusalContext): Promise<void> {
  if (!isAgmedicError(err)) return;
  const service = serviceIdentity(ctx.env);
  const approval = approvalFacts(ctx.approvalFile);
  const event: RefusedEvent = {
    type: 'refused',
    runId: newRunId(ctx.clock),
    runbook: ctx.runbook,
    mode: ctx.mode,
    code: err.code,
    reason: err.message,
    osUser: osAccount(ctx.env),
    host: hostname(),
    ...(service ? { service } : {}),
    parameters: ctx.parameters,
    targets: ctx.targets,
    ...(approval ? { approval } : {}),
  };
  try {
    const sink = await openAuditLog({ path: ctx.auditFile ?? defaultAuditLogPath(ctx.env), clock: ctx.clock });
    try {
      await sink.append(event);
    } finally {
      await sink.close();
    }
  } catch (auditErr) {
    err.message = `${err.message} (and the refusal could not be audited: ${(auditErr as Error).message})`;
  }
}
