/** The lines an unattended run starts with, and the identity it records beside the approver. */
import { formatBoth, formatDuration } from '../audit/format-time.js';
import { osAccount, serviceIdentity } from './run-identity.js';

/**
 * @example
 * describeApproval({ id: '3f9c…', approver: 'alice', keyId: 'fe0f…', expiresAt: '2026-12-03T04:00:00Z' }, new Date())
 * // 'agmedic: unattended under approval 3f9c… by alice (key fe0f…), expires 2026-12-03 05:00:00 CET (…) — in 23 h 59 min'
 */
export function describeApproval(a: { id: string; approver: string; keyId: string; expiresAt: string }, now: Date): string {
  const left = Date.parse(a.expiresAt) - now.getTime();
  return `agmedic: unattended under approval ${a.id} by ${a.approver} (key ${a.keyId}), expires ${formatBoth(a.expiresAt)} — in ${formatDuration(left)}`;
}

/** OS account and service identity, for `RunStartEvent.approval`. */
export function runnerIdentity(env: Readonly<Record<string, string | undefined>>): { osUser: string; service?: string } {
  const service = serviceIdentity(env);
  return { osUser: osAccount(env), ...(service ? { service } : {}) };
}
