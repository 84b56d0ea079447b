/**
 * Withdrawing an approval before it expires. An approval is a signed file that may have been copied
 * to schedulers anywhere; the one place every unattended run reads anyway is where its trusted keys
 * live, so that is where the revocation list lives too: `revoked-approvals` in `$AGMEDIC_HOME`, or in
 * the trusted keys folder. One approval id per line (see {@link approvalIdOf}); `#` starts a comment.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { homedir } from 'node:os';
import { AgmedicError } from '../../errors.js';
import type { Approval } from './types.js';

/**
 * The approval's short id: the first 16 hex digits of sha256 over its signature. The signature
 * covers every field, so the id names this exact approval and cannot be chosen by whoever holds it.
 *
 * @example
 * approvalIdOf(approval) // '3f9c2a7b1d0e4c55'
 */
export function approvalIdOf(approval: Pick<Approval, 'signature'>): string {
  return createHash('sha256').update(String(approval.signature)).digest('hex').slice(0, 16);
}

/** The revocation list files consulted: `$AGMEDIC_HOME/revoked-approvals`, and beside the trusted keys. */
export function revocationFiles(trustedKeys: string | readonly string[] | undefined, env: Readonly<Record<string, string | undefined>> = process.env): string[] {
  const home = env.AGMEDIC_HOME || join(homedir(), '.agmedic');
  const files = [join(home, 'revoked-approvals')];
  if (typeof trustedKeys === 'string') files.push(join(trustedKeys, 'revoked-approvals'));
  else if (trustedKeys?.length) files.push(join(dirname(trustedKeys[0]!), 'revoked-approvals'));
  return [...new Set(files)];
}

/** Every revoked id in those files (a missing file revokes nothing), with where it was listed. */
export function readRevokedIds(files: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const id = line.replace(/#.*/, '').trim().toLowerCase();
      if (id) out.set(id, file);
    }
  }
  return out;
}

/** Throws `APPROVAL_REVOKED` (exit 16) when the approval's id is listed. */
export function assertNotRevoked(approval: Approval, files: readonly string[]): void {
  const id = approvalIdOf(approval);
  const where = readRevokedIds(files).get(id);
  if (where) {
    throw new AgmedicError('APPROVAL_REVOKED', `approval ${id} (${approval.runbook.name}, by ${approval.approver}) is revoked: listed in ${where}`, { details: { approvalId: id, file: where } });
  }
}
