import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Approval } from '../../src/runtime/approval/index.js';
import { cli, isolatedHome, tempDir } from './helpers/approval-audit-env.js';

const home = isolatedHome();
const RUNBOOK = 'split-brain-recovery';
const PARAMS = ['-p', 'link=SalesLink', '-p', 'keep=managedInstance', '-p', 'backup_path=D:\\Backup\\s.trn'];

let dir: string;
let keyFile: string;
let targetsFile: string;
let approvalFile: string;

function targetsYaml(sqlPort: number, miPort: number): string {
  const t = (port: number) => `{ server: 127.0.0.1, port: ${port}, encrypt: false, auth: { type: sql, user: sa, passwordEnv: LAB_PASSWORD } }`;
  return `targets:\n  sqlserver: ${t(sqlPort)}\n  mi: ${t(miPort)}\n`;
}

beforeEach(async () => {
  dir = tempDir();
  // The signer's key lives outside the trusted folder; its public half is copied in, as an operator would.
  expect((await cli('keygen', '--out', join(dir, 'keys'), '--name', 'alice')).code).toBe(0);
  keyFile = join(dir, 'keys', 'alice.key');
  expect((await cli('keygen', '--out', join(home(), 'trusted-keys'), '--name', 'ops')).code).toBe(0);
  copyFileSync(join(dir, 'keys', 'alice.pub'), join(home(), 'trusted-keys', 'alice.pub'));
  targetsFile = join(dir, 'targets.yaml');
  writeFileSync(targetsFile, targetsYaml(11433, 11434));
  approvalFile = join(dir, 'approval.json');
});

const approve = (...extra: string[]) =>
  cli('approve', RUNBOOK, ...PARAMS, '--key', keyFile, '--approver', 'alice@contoso.com', '-t', targetsFile, '--expires', '24h', '--out', approvalFile, ...extra);

const check = (...extra: string[]) => cli('approve', RUNBOOK, '--check', approvalFile, ...PARAMS, '-t', targetsFile, ...extra);

describe('agmedic approve', () => {
  it('signs runbook name + sha256, targets, parameter constraints, approver and expiry', async () => {
    const r = await approve('--constraint', 'database=/Sales|Sales_\\d+/');
    expect(r.code).toBe(0);
    const a = JSON.parse(readFileSync(approvalFile, 'utf8')) as Approval;
    expect(a.runbook.name).toBe(RUNBOOK);
    expect(a.runbook.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(a.targets).toEqual(['127.0.0.1,11433', '127.0.0.1,11434']);
    expect(a.parameters).toEqual({
      link: { equals: 'SalesLink' },
      keep: { equals: 'managedInstance' },
      backup_path: { equals: 'D:\\Backup\\s.trn' },
      database: { pattern: 'Sales|Sales_\\d+' },
      // The default is pinned: an approval never lets an unattended run add the role-swapping FAILOVER.
      failover_after: { equals: false },
    });
    expect(a.approver).toBe('alice@contoso.com');
    expect(Date.parse(a.expiresAt) - Date.parse(a.issuedAt)).toBe(24 * 3_600_000);
    expect(r.stdout).toContain('written to');
  });

  it('pins defaults the run will use, and turns repeated --constraint values into oneOf', async () => {
    const r = await cli(
      'approve', RUNBOOK, '-p', 'link=SalesLink', '--constraint', 'keep=sqlserver', '--constraint', 'keep=managedInstance',
      '--key', keyFile, '--approver', 'bob', '--targets', 'sql01,1433,MI-Prod.abc.database.windows.net:1433', '--out', approvalFile,
    );
    expect(r.code).toBe(0);
    const a = JSON.parse(readFileSync(approvalFile, 'utf8')) as Approval;
    expect(a.parameters.database).toEqual({ equals: 'Sales' });
    expect(a.parameters.keep).toEqual({ oneOf: ['sqlserver', 'managedInstance'] });
    expect(a.targets).toEqual(['sql01,1433', 'mi-prod.abc.database.windows.net,1433']);
  });

  it('--check accepts an approval that covers the run', async () => {
    await approve();
    const r = await check('--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, approver: 'alice@contoso.com' });
  });

  type Case = [name: string, setup: () => Promise<string[]> | string[], exit: number, code: string];
  const refusals: Case[] = [
    ['missing', () => ['--check', join(dir, 'nope.json')], 10, 'APPROVAL_MISSING'],
    ['expired', () => ['--at', new Date(Date.now() + 48 * 3_600_000).toISOString()], 12, 'APPROVAL_EXPIRED'],
    [
      'tampered (approver edited after signing)',
      () => {
        writeFileSync(approvalFile, readFileSync(approvalFile, 'utf8').replace('alice@contoso.com', 'mallory@contoso.com'));
        return [];
      },
      11,
      'APPROVAL_BAD_SIGNATURE',
    ],
    [
      'tampered (a target added after signing)',
      () => {
        const a = JSON.parse(readFileSync(approvalFile, 'utf8')) as Approval;
        a.targets.push('evil,1433');
        writeFileSync(approvalFile, JSON.stringify(a));
        return [];
      },
      11,
      'APPROVAL_BAD_SIGNATURE',
    ],
    ['untrusted key', () => ['--trusted-keys', join(dir, 'empty-trust')], 11, 'APPROVAL_UNTRUSTED_KEY'],
    ['wrong runbook', () => ['__runbook', 'link-failover'], 13, 'APPROVAL_WRONG_RUNBOOK'],
    [
      'wrong runbook (its content changed since approval)',
      () => {
        const copy = join(dir, 'split-brain-recovery.yaml');
        writeFileSync(copy, readFileSync(join(import.meta.dirname, '../../runbooks/split-brain-recovery.yaml'), 'utf8').replace('title: Refuse without a backup file', 'title: Refuse, no backup file'));
        return ['__runbook', copy];
      },
      13,
      'APPROVAL_WRONG_RUNBOOK',
    ],
    [
      'wrong target',
      () => {
        writeFileSync(targetsFile, targetsYaml(11433, 29999));
        return [];
      },
      14,
      'APPROVAL_WRONG_TARGET',
    ],
    ['out of constraint', () => ['-p', 'database=Payroll'], 15, 'APPROVAL_PARAM_CONSTRAINT'],
  ];

  it.each(refusals)('--check refuses an approval: %s', async (_name, setup, exit, code) => {
    // A runbook signed from a copy must be checked from the same copy: approve that copy for the edit case.
    await approve();
    const extra = await setup();
    let args: string[];
    const rb = extra.indexOf('__runbook');
    if (rb >= 0) {
      const other = extra[rb + 1]!;
      extra.splice(rb, 2);
      const params = other === 'link-failover' ? ['-p', 'link=SalesLink', '-p', 'to=managedInstance', '-p', 'sql_ag=AG1', '-p', 'mi_ag=AG2'] : PARAMS;
      args = ['approve', other, '--check', approvalFile, ...params, '-t', targetsFile, ...extra];
    } else {
      const file = extra[0] === '--check' ? extra.splice(0, 2)[1]! : approvalFile;
      args = ['approve', RUNBOOK, '--check', file, ...PARAMS, '-t', targetsFile, ...extra];
    }
    if (extra.includes('--trusted-keys')) expect((await cli('keygen', '--out', join(dir, 'empty-trust'), '--name', 'other')).code).toBe(0);
    const r = await cli(...args);
    expect(r.stderr).toContain(code);
    expect(r.code).toBe(exit);
  });

  it.each([
    ['no key', ['approve', RUNBOOK, ...PARAMS, '--approver', 'a', '--targets', 'sql01'], 2],
    ['no approver', ['approve', RUNBOOK, ...PARAMS, '--key', '__key', '--targets', 'sql01'], 2],
    ['no targets', ['approve', RUNBOOK, ...PARAMS, '--key', '__key', '--approver', 'a'], 2],
    ['expiry in the past', ['approve', RUNBOOK, ...PARAMS, '--key', '__key', '--approver', 'a', '--targets', 'sql01', '--expires', '2001-01-01T00:00:00Z'], 2],
    ['a required parameter left open', ['approve', RUNBOOK, '-p', 'keep=sqlserver', '--key', '__key', '--approver', 'a', '--targets', 'sql01'], 1],
    ['a constraint on an unknown parameter', ['approve', RUNBOOK, ...PARAMS, '--constraint', 'lnk=x', '--key', '__key', '--approver', 'a', '--targets', 'sql01'], 2],
    ['a bad regular expression', ['approve', RUNBOOK, ...PARAMS, '--constraint', 'database=/(/', '--key', '__key', '--approver', 'a', '--targets', 'sql01'], 2],
    ['an unknown runbook', ['approve', 'no-such-runbook', '--key', '__key', '--approver', 'a', '--targets', 'sql01'], 3],
  ])('refuses to sign with %s', async (_name, args, exit) => {
    const r = await cli(...args.map((a) => (a === '__key' ? keyFile : a)));
    expect(r.code).toBe(exit);
  });
});
