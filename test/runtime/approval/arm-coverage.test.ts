import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { approvalArmName, approvalServerName, authorizeUnattended, generateKeyPair, signApproval } from '../../../src/runtime/approval/index.js';

// An approved run that calls ARM must have the managed instance's link resource approved, not only
// its SQL endpoints: otherwise editing azure.resourceGroup in the targets file would aim an approved
// delete or failover at another link.
const keys = generateKeyPair();
const ARM = { subscriptionId: 'SUB-1', resourceGroup: 'rg-prod', instance: 'mi-prod' };
const SQL = [{ role: 'sqlserver', server: 'sql01', port: 1433 }];
const now = new Date('2026-11-30T12:00:00Z');

function approvalFile(targets: string[]): string {
  const a = signApproval(
    { runbook: { name: 'link-failover', sha256: 'a'.repeat(64) }, targets, parameters: {}, approver: 'dba', issuedAt: new Date(now.getTime() - 60_000), expiresAt: new Date(now.getTime() + 3_600_000) },
    keys.privateKeyPem,
  );
  const file = join(mkdtempSync(join(tmpdir(), 'agmedic-arm-appr-')), 'a.json');
  writeFileSync(file, JSON.stringify(a));
  return file;
}

const request = (approvalPath: string, arm: string) => ({
  approvalPath,
  keys: [{ keyId: keys.keyId, publicKeyPem: keys.publicKeyPem, source: 'test' }],
  runbook: { name: 'link-failover', sha256: 'a'.repeat(64) },
  targets: [...SQL, { role: 'mi', server: 'mi-prod.x.database.windows.net', port: 1433, arm }],
  parameters: {},
  now,
});

describe('approvals cover the ARM resource an Azure step reaches', () => {
  const servers = [approvalServerName('sql01', 1433), approvalServerName('mi-prod.x.database.windows.net', 1433)];

  it('accepts a run whose managed instance resource is approved', async () => {
    const file = approvalFile([...servers, approvalArmName(ARM)]);
    await expect(authorizeUnattended(request(file, approvalArmName(ARM)) as never)).resolves.toMatchObject({ audit: { approver: 'dba' } });
  });

  it('refuses when the targets file now names another resource group (exit 14 family)', async () => {
    const file = approvalFile([...servers, approvalArmName(ARM)]);
    await expect(authorizeUnattended(request(file, approvalArmName({ ...ARM, resourceGroup: 'rg-other' })) as never)).rejects.toMatchObject({
      code: 'APPROVAL_WRONG_TARGET',
      message: expect.stringContaining('arm:sub-1/rg-other/mi-prod'),
    });
  });

  it('refuses an approval that lists only the SQL endpoints', async () => {
    const file = approvalFile(servers);
    await expect(authorizeUnattended(request(file, approvalArmName(ARM)) as never)).rejects.toMatchObject({ code: 'APPROVAL_WRONG_TARGET' });
  });
});
