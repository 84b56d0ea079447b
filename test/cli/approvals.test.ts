/**
 * Approvals an approver can judge and withdraw: `approve` shows the statements and gates before
 * signing; `approvals` lists a folder with scope, expiry and status; a revoked id is refused with
 * its own exit code (16) by both `approve --check` and the run.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { approvalIdOf, type Approval } from '../../src/runtime/approval/index.js';
import { approvalFixture, cli, isolatedHome, PARAMS, RUNBOOK } from './helpers/approval-audit-env.js';

const home = isolatedHome();
let dir: string;
let targetsFile: string;

beforeEach(async () => {
  ({ dir, targetsFile } = await approvalFixture(home()));
});

const approve = (out: string, ...extra: string[]) =>
  cli('approve', RUNBOOK, ...PARAMS, '--key', join(dir, 'keys', 'alice.key'), '--approver', 'alice@contoso.com', '-t', targetsFile, '--out', out, ...extra);

describe('approve, approvals, revocation', () => {
  it('approve prints the statements and gates it covers before signing, rendered with the pinned values', async () => {
    const r = await approve(join(dir, 'a.approval.json'));
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    const summaryAt = lines.findIndex((l) => l.startsWith('This approval lets unattended runs of split-brain-recovery'));
    const signedAt = lines.findIndex((l) => l.startsWith('approved split-brain-recovery'));
    expect(summaryAt).toBeGreaterThanOrEqual(0);
    expect(summaryAt).toBeLessThan(signedAt);
    expect(r.stdout).toMatch(/demote_sqlserver +DESTRUCTIVE +on sqlserver: ALTER AVAILABILITY GROUP \[SalesLink\] SET \(ROLE = SECONDARY\)/);
    expect(r.stdout).toMatch(/demote_sqlserver +confirmation \(typed name: link\) — passed by the approval/);
    expect(r.stdout).toMatch(/branch +decision/);
  });

  it('approvals lists scope, expiry and status; a revoked id is refused with exit 16 by --check and by the run', async () => {
    const good = join(dir, 'nightly.json');
    const later = join(dir, 'weekly.json');
    expect((await approve(good, '--expires', '2h')).code).toBe(0);
    expect((await approve(later, '--expires', '7d')).code).toBe(0);
    const tampered = JSON.parse(readFileSync(later, 'utf8')) as Approval;
    writeFileSync(join(dir, 'tampered.json'), JSON.stringify({ ...tampered, targets: [...tampered.targets, 'evil,1433'] }));
    writeFileSync(join(dir, 'not-an-approval.json'), '{"planVersion":1}');
    const id = approvalIdOf(JSON.parse(readFileSync(good, 'utf8')) as Approval);

    let r = await cli('approvals', dir, '--json');
    expect(r.code).toBe(0);
    const listed = JSON.parse(r.stdout) as Array<{ file: string; id: string; status: string; targets: string[]; parameters: Record<string, string>; expiresAt: string }>;
    expect(listed.map((l) => [l.file, l.status])).toEqual([['nightly.json', 'valid'], ['tampered.json', 'altered'], ['weekly.json', 'valid']]);
    expect(listed[0]).toMatchObject({ id, targets: ['127.0.0.1,1', '127.0.0.1,2'], parameters: { link: '="SalesLink"' } });

    appendFileSync(join(home(), 'revoked-approvals'), `${id}  # leaked in a ticket\n`);
    r = await cli('approvals', dir);
    expect(r.stdout.split('\n')[0]).toMatch(/^ID +FILE +RUNBOOK +APPROVER +EXPIRES +STATUS +SCOPE$/);
    expect(r.stdout).toMatch(new RegExp(`^${id} +nightly\\.json .* revoked `, 'm'));

    r = await cli('approve', RUNBOOK, '--check', good, ...PARAMS, '-t', targetsFile);
    expect(r.code).toBe(16);
    expect(r.stderr).toContain('APPROVAL_REVOKED');
    r = await cli('run', RUNBOOK, ...PARAMS, '-t', targetsFile, '--unattended', '--approval', good);
    expect(r.code).toBe(16);
    // The other approval still covers the run (it is refused later only because no server listens).
    r = await cli('approve', RUNBOOK, '--check', later, ...PARAMS, '-t', targetsFile);
    expect(r.code, r.stderr).toBe(0);
  });
});
