/**
 * Nothing unrecorded: every refused unattended attempt (and a guided run refused for want of a
 * terminal) leaves its own audit record — reason code, OS account, host, the approval's id — and
 * the chain still verifies. No target is reachable here: the refusals happen before any connection.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { readAuditLog, verifyAuditLog } from '../../src/audit/index.js';
import type { AuditRecord } from '../../src/audit/index.js';
import { approvalIdOf, signApproval, type Approval } from '../../src/runtime/approval/index.js';
import { approvalFixture, cli, isolatedHome, PARAMS, RUNBOOK, unreachableTarget } from './helpers/approval-audit-env.js';

const home = isolatedHome();

let dir: string;
let targetsFile: string;
let approvalFile: string;
let approvalId: string;

beforeEach(async () => {
  ({ dir, targetsFile } = await approvalFixture(home()));
  approvalFile = join(dir, 'approval.json');
  const r = await cli('approve', RUNBOOK, ...PARAMS, '--key', join(dir, 'keys', 'alice.key'), '--approver', 'alice@contoso.com', '-t', targetsFile, '--expires', '1h', '--out', approvalFile);
  expect(r.code, r.stderr).toBe(0);
  approvalId = approvalIdOf(JSON.parse(readFileSync(approvalFile, 'utf8')) as Approval);
});

const unattended = (...extra: string[]) => cli('run', RUNBOOK, ...PARAMS, '-t', targetsFile, '--unattended', ...extra);

const cases: Array<{ name: string; exit: number; code: string; withId: boolean; act: () => Promise<{ code: number; stderr: string }> }> = [
  { name: 'no approval given', exit: 10, code: 'APPROVAL_MISSING', withId: false, act: () => unattended() },
  {
    name: 'expired', exit: 12, code: 'APPROVAL_EXPIRED', withId: true,
    act: () => {
      // The same approval, signed for a window that is over.
      const a = JSON.parse(readFileSync(approvalFile, 'utf8')) as Approval;
      const past = signApproval(
        { runbook: a.runbook, targets: a.targets, parameters: a.parameters, approver: a.approver, issuedAt: new Date(Date.now() - 7_200_000), expiresAt: new Date(Date.now() - 3_600_000) },
        readFileSync(join(dir, 'keys', 'alice.key'), 'utf8'),
      );
      writeFileSync(approvalFile, JSON.stringify(past));
      approvalId = approvalIdOf(past);
      return unattended('--approval', approvalFile);
    },
  },
  {
    name: 'altered after signing', exit: 11, code: 'APPROVAL_BAD_SIGNATURE', withId: true,
    act: () => {
      const a = JSON.parse(readFileSync(approvalFile, 'utf8')) as Approval;
      writeFileSync(approvalFile, JSON.stringify({ ...a, approver: 'mallory' }));
      return unattended('--approval', approvalFile);
    },
  },
  {
    name: 'wrong target', exit: 14, code: 'APPROVAL_WRONG_TARGET', withId: true,
    act: () => {
      writeFileSync(targetsFile, `targets:\n  sqlserver: ${unreachableTarget(3)}\n  mi: ${unreachableTarget(2)}\n`);
      return unattended('--approval', approvalFile);
    },
  },
  {
    name: 'parameter outside its constraint', exit: 15, code: 'APPROVAL_PARAM_CONSTRAINT', withId: true,
    act: () => cli('run', RUNBOOK, '-p', 'link=OtherLink', '-p', 'keep=managedInstance', '-p', 'backup_path=D:\\Backup\\s.trn', '-t', targetsFile, '--unattended', '--approval', approvalFile),
  },
  {
    name: 'revoked', exit: 16, code: 'APPROVAL_REVOKED', withId: true,
    act: () => {
      appendFileSync(join(home(), 'revoked-approvals'), `# withdrawn after the change freeze\n${approvalId}\n`);
      return unattended('--approval', approvalFile);
    },
  },
  { name: 'no terminal (guided)', exit: 4, code: 'NO_TTY', withId: false, act: () => cli('run', RUNBOOK, ...PARAMS, '-t', targetsFile) },
];

describe('refused runs are audited', () => {
  it.each(cases)('$name → exit $exit, a refused record with $code', async ({ exit, code, withId, act }) => {
    const r = await act();
    expect(r.code, r.stderr).toBe(exit);
    expect(r.stderr).toContain(code);
    const audit = join(home(), 'audit.jsonl');
    const records = await readAuditLog(audit);
    const refused = records.filter((x): x is Extract<AuditRecord, { type: 'refused' }> => x.type === 'refused');
    expect(refused).toHaveLength(1);
    const rec = refused[0]!;
    expect(rec.code).toBe(code);
    expect(rec.osUser).toContain(userInfo().username);
    expect(rec.host).toMatch(/\S/);
    expect(rec.runbook.name).toBe(RUNBOOK);
    expect(rec.targets.map((t) => t.name)).toEqual(['sqlserver', 'mi']);
    if (withId) expect(rec.approval).toMatchObject({ id: approvalId, file: approvalFile });
    expect((await verifyAuditLog(audit)).ok).toBe(true);
    // The run list shows it as refused, and the audit has no secret (the password env name is fine; no value exists).
    const show = await cli('audit', 'show', '--outcome', 'refused');
    expect(show.stdout.split('\n')[1]).toContain('refused');
    expect(readFileSync(audit, 'utf8')).not.toMatch(/BEGIN PRIVATE KEY|"signature"/);
  });
});
