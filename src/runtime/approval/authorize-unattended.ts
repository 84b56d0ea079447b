/**
 * The one call an unattended run makes before it opens any connection.
 *
 * FOR THE RUN COMMAND (runtime-core): call {@link authorizeUnattended} right after the runbook is
 * loaded, the parameters resolved and the targets file read — before `openSqlTarget` /
 * `openAzureLink`. On refusal it throws an AgmedicError whose code the CLI maps to its exit code
 * with `exitCodeFor` (cli/exit-codes.ts):
 *
 *   refusal                        code                        exit
 *   no --approval / no such file   APPROVAL_MISSING            10
 *   unreadable / malformed file    APPROVAL_FILE               10
 *   altered after signing          APPROVAL_BAD_SIGNATURE      11
 *   signed by an untrusted key     APPROVAL_UNTRUSTED_KEY      11
 *   expired / not yet valid        APPROVAL_EXPIRED            12
 *   other runbook / runbook edited APPROVAL_WRONG_RUNBOOK      13
 *   a target not allowed           APPROVAL_WRONG_TARGET       14
 *   a parameter out of constraint  APPROVAL_PARAM_CONSTRAINT   15
 *   listed as revoked              APPROVAL_REVOKED            16
 *
 * `agmedic approve RUNBOOK --check FILE …` calls the same function, so a scheduler can be tested
 * against an approval without running anything.
 */
import { AgmedicError } from '../../errors.js';
import { readApprovalFile } from './read-approval-file.js';
import { approvalIdOf, assertNotRevoked, revocationFiles } from './revocation.js';
import { defaultTrustedKeysDir, readTrustedKeys } from './read-trusted-keys.js';
import type { Approval, TrustedKey } from './types.js';
import { verifyApproval } from './verify-approval.js';

/** A target as the run will connect to it: host and port from the targets file. */
export interface ApprovalTarget {
  role: string;
  server: string;
  port: number;
  /**
   * `arm:<subscription>/<resource group>/<instance>[@endpoint]` when the run will call ARM for this
   * role: the link resource an approved delete or failover reaches must be approved too, not only
   * the SQL endpoints (see {@link approvalArmName}).
   */
  arm?: string;
}

/**
 * Canonical name of a managed instance's ARM resource in approvals, lower-case.
 *
 * @example
 * approvalArmName({ subscriptionId: 'S', resourceGroup: 'rg', instance: 'mi' }) // 'arm:s/rg/mi'
 */
export function approvalArmName(a: { subscriptionId: string; resourceGroup: string; instance: string; endpoint?: string }): string {
  const endpoint = a.endpoint === undefined ? '' : `@${a.endpoint.replace(/\/+$/, '')}`;
  return `arm:${a.subscriptionId}/${a.resourceGroup}/${a.instance}${endpoint}`.toLowerCase();
}

export interface UnattendedRequest {
  /** `--approval FILE`; undefined means none was given. */
  approvalPath: string | undefined;
  /** A folder of `*.pub` files or a list of files; default `$AGMEDIC_HOME/trusted-keys`. */
  trustedKeys?: string | readonly string[];
  /** Keys already read (tests, or a caller that read them itself); wins over `trustedKeys`. */
  keys?: readonly TrustedKey[];
  runbook: { name: string; sha256: string };
  /** Every target the run will open. */
  targets: readonly ApprovalTarget[];
  /** The resolved parameter values (defaults included), exactly as the run will use them. */
  parameters: Readonly<Record<string, unknown>>;
  now: Date;
  /** Revocation lists to consult; default {@link revocationFiles} for `trustedKeys`. */
  revocationFiles?: readonly string[];
}

export interface Authorized {
  approval: Approval;
  /** For the run-start audit record (`RunStartEvent.approval`). */
  audit: { keyId: string; approver: string; expiresAt: string; id: string };
}

/**
 * Canonical server name of a target in approvals: `host,port`, lower-case, as SQL Server clients
 * write it. `agmedic approve` stores targets in this form.
 *
 * @example
 * approvalServerName('SQL01.contoso.com', 1433) // 'sql01.contoso.com,1433'
 */
export function approvalServerName(host: string, port: number): string {
  return `${host.trim().toLowerCase()},${port}`;
}

/**
 * Parses a server as an approver types it (`host`, `host,port`, `host:port`, `tcp:host,port`)
 * into the canonical form; a bare host means the default port 1433.
 *
 * @example
 * normaliseApprovalServer('tcp:SQL01:1433') // 'sql01,1433'
 */
export function normaliseApprovalServer(text: string): string {
  if (/^arm:/i.test(text.trim())) return text.trim().toLowerCase();
  const s = text.trim().replace(/^tcp:/i, '');
  const m = /^(.+?)(?:[,:](\d{1,5}))?$/.exec(s);
  if (!m || m[1]!.includes(',') || m[1]!.trim() === '') throw new AgmedicError('USAGE', `"${text}" is not a server name (host, host,port or host:port)`);
  const port = m[2] === undefined ? 1433 : Number(m[2]);
  if (port < 1 || port > 65535) throw new AgmedicError('USAGE', `"${text}": port ${port} is out of range`);
  return approvalServerName(m[1]!, port);
}

/**
 * Reads the approval and the trusted keys and checks that they cover this run; resolves to the
 * verified approval, throws a refusal (see the table above) otherwise. Opens no connection.
 *
 * @example
 * const { audit } = await authorizeUnattended({
 *   approvalPath: opts.approval, runbook: { name: usable.runbook.metadata.name, sha256: usable.sha256 },
 *   targets: Object.values(targetsConfig.targets), parameters: resolved.values, now: clock.now(),
 * });
 */
export async function authorizeUnattended(req: UnattendedRequest): Promise<Authorized> {
  const approval = await readApproval(req.approvalPath);
  const trustedKeys = req.keys ?? (await readTrustedKeys(req.trustedKeys ?? defaultTrustedKeysDir()));
  // A hand-written approval may list a bare host for port 1433; the name passed for each target
  // is the form the approval uses. Safe before the signature check: it only picks spellings.
  const listed = new Set(approval.targets.map((t) => t.trim().toLowerCase()));
  const targets = req.targets.flatMap((t) => {
    const canonical = approvalServerName(t.server, t.port);
    const bare = t.server.trim().toLowerCase();
    const sql = !listed.has(canonical) && t.port === 1433 && listed.has(bare) ? bare : canonical;
    return t.arm === undefined ? [sql] : [sql, t.arm];
  });
  // Revocation first: a withdrawn approval is refused as such, whatever else is wrong with it.
  assertNotRevoked(approval, req.revocationFiles ?? revocationFiles(req.trustedKeys));
  verifyApproval(approval, { trustedKeys, runbook: req.runbook, targets, parameters: req.parameters, now: req.now });
  return { approval, audit: { keyId: approval.keyId, approver: approval.approver, expiresAt: approval.expiresAt, id: approvalIdOf(approval) } };
}

async function readApproval(path: string | undefined): Promise<Approval> {
  if (path === undefined || path === '') {
    throw new AgmedicError('APPROVAL_MISSING', 'an unattended run needs a signed approval (--approval FILE); none was given');
  }
  return readApprovalFile(path);
}
