/**
 * `agmedic approvals [DIR]`: the approvals in a folder (default: the current one) with what each
 * allows — runbook, targets, parameter constraints — who signed it, until when, and whether it
 * would be honoured now (signature by a trusted key, not expired, not revoked).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatLocal } from '../../audit/format-time.js';
import { isAgmedicError } from '../../errors.js';
import { approvalIdOf, readRevokedIds, readTrustedKeys, revocationFiles, verifyApproval, type Approval, type ParameterConstraint } from '../../runtime/approval/index.js';
import { EXIT } from '../exit-codes.js';
import type { Output } from '../output.js';
import { table } from './runs.js';

export interface ApprovalsOptions {
  trustedKeys?: string;
  json?: boolean;
}

interface Listed {
  file: string;
  id: string;
  runbook: string;
  approver: string;
  keyId: string;
  targets: string[];
  parameters: Record<string, string>;
  expiresAt: string;
  /** valid, expired, revoked, untrusted-key, altered. */
  status: string;
}

function describe(c: ParameterConstraint): string {
  if (c.equals !== undefined) return `=${JSON.stringify(c.equals)}`;
  if (c.oneOf) return `∈{${c.oneOf.map((v) => JSON.stringify(v)).join(',')}}`;
  if (c.pattern !== undefined) return `~/${c.pattern}/`;
  return `${c.min ?? ''}..${c.max ?? ''}`;
}

export async function approvalsCommand(dir: string | undefined, opts: ApprovalsOptions, output: Output, now = new Date()): Promise<number> {
  const folder = resolve(dir ?? '.');
  const trusted = await readTrustedKeys(opts.trustedKeys);
  const revoked = readRevokedIds(revocationFiles(opts.trustedKeys));
  const listed: Listed[] = [];
  for (const name of readdirSync(folder).filter((n) => n.endsWith('.json')).sort()) {
    let a: Approval;
    try {
      a = JSON.parse(readFileSync(join(folder, name), 'utf8')) as Approval;
    } catch {
      continue;
    }
    if (a?.version !== 1 || typeof a.signature !== 'string' || !a.runbook) continue; // not an approval (a plan, a config)
    const id = approvalIdOf(a);
    let status = 'valid';
    if (revoked.has(id)) status = 'revoked';
    else {
      try {
        // Judged for its own runbook, targets and parameters: only key, signature and time can fail.
        verifyApproval(a, { trustedKeys: trusted, runbook: a.runbook, targets: a.targets, parameters: {}, now });
      } catch (err) {
        const code = isAgmedicError(err) ? err.code : 'INTERNAL';
        status = { APPROVAL_EXPIRED: 'expired', APPROVAL_UNTRUSTED_KEY: 'untrusted key', APPROVAL_BAD_SIGNATURE: 'altered', APPROVAL_FILE: 'malformed' }[code as string] ?? 'valid';
      }
    }
    listed.push({
      file: name, id, runbook: a.runbook.name, approver: a.approver, keyId: a.keyId, targets: a.targets,
      parameters: Object.fromEntries(Object.entries(a.parameters).map(([k, c]) => [k, describe(c)])), expiresAt: a.expiresAt, status,
    });
  }
  if (opts.json) {
    output.out(JSON.stringify(listed, null, 2));
    return EXIT.ok;
  }
  if (listed.length === 0) {
    output.out(`no approvals in ${folder}`);
    return EXIT.ok;
  }
  output.out(
    table(
      ['ID', 'FILE', 'RUNBOOK', 'APPROVER', 'EXPIRES', 'STATUS', 'SCOPE'],
      listed.map((l) => [
        l.id, l.file, l.runbook, l.approver, formatLocal(l.expiresAt), l.status,
        `targets ${l.targets.join(' ')}; ${Object.entries(l.parameters).map(([k, v]) => `${k}${v}`).join(' ')}`,
      ]),
    ),
  );
  return EXIT.ok;
}
