import { chmodSync, mkdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, createPublicKey } from 'node:crypto';
import { exitCodeFor } from '../../../src/cli/exit-codes.js';
import { describe, expect, it } from 'vitest';
import {
  generateKeyPair,
  keyIdOf,
  readApprovalFile,
  readTrustedKeys,
  signApproval,
  verifyApproval,
  type Approval,
  type ApprovalContext,
} from '../../../src/runtime/approval/index.js';
import type { AgmedicError } from '../../../src/errors.js';

const approver = generateKeyPair();
const stranger = generateKeyPair();
const SHA = 'c0ffee'.padEnd(64, '0');
const NOW = new Date('2024-06-01T12:00:00Z');

function approve(overrides: Partial<Parameters<typeof signApproval>[0]> = {}, key = approver.privateKeyPem): Approval {
  return signApproval(
    {
      runbook: { name: 'split-brain-recovery', sha256: SHA },
      targets: ['127.0.0.1,11433', 'MI-prod.abc.database.windows.net'],
      parameters: { link: { equals: 'SalesLink' }, keep: { oneOf: ['managedInstance', 'sqlserver'] }, waitSeconds: { min: 10, max: 600 }, tag: { pattern: '[a-z]+-\\d+' } },
      approver: 'alice@contoso.com',
      issuedAt: '2024-06-01T00:00:00Z',
      expiresAt: '2024-06-02T00:00:00Z',
      ...overrides,
    },
    key,
  );
}

function ctx(overrides: Partial<ApprovalContext> = {}): ApprovalContext {
  return {
    trustedKeys: [{ keyId: approver.keyId, publicKeyPem: approver.publicKeyPem }],
    runbook: { name: 'split-brain-recovery', sha256: SHA },
    targets: ['127.0.0.1,11433', 'mi-prod.ABC.database.windows.net'],
    parameters: { link: 'SalesLink', keep: 'managedInstance', waitSeconds: 60, tag: 'nightly-7' },
    now: NOW,
    ...overrides,
  };
}

function refusal(approval: unknown, c: ApprovalContext = ctx()): AgmedicError {
  try {
    verifyApproval(approval, c);
  } catch (err) {
    return err as AgmedicError;
  }
  throw new Error('the approval was accepted');
}

describe('approval keys', () => {
  it('keyId is the first 16 hex of sha256 of the raw public key', () => {
    const raw = Buffer.from(createPublicKey(approver.publicKeyPem).export({ format: 'jwk' }).x!, 'base64url');
    expect(raw).toHaveLength(32);
    expect(approver.keyId).toBe(createHash('sha256').update(raw).digest('hex').slice(0, 16));
    expect(keyIdOf(approver.publicKeyPem)).toBe(approver.keyId);
    expect(approver.privateKeyPem).toContain('BEGIN PRIVATE KEY');
  });

  it('reads *.pub from a folder, computes ids from the keys, and refuses a world-writable folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agmedic-keys-'));
    writeFileSync(join(dir, 'misleading-name.pub'), approver.publicKeyPem, { mode: 0o644 });
    writeFileSync(join(dir, 'notes.txt'), 'ignored');
    const keys = await readTrustedKeys(dir);
    expect(keys.map((k) => k.keyId)).toEqual([approver.keyId]);
    expect(await readTrustedKeys(join(dir, 'missing'))).toEqual([]);
    writeFileSync(join(dir, 'bad.pub'), 'not a key', { mode: 0o644 });
    await expect(readTrustedKeys(dir)).rejects.toMatchObject({ code: 'TRUSTED_KEYS' });
    // A folder that is a file: refused with the same approval code.
    await expect(readTrustedKeys(join(dir, 'notes.txt'))).rejects.toMatchObject({ code: 'TRUSTED_KEYS' });
    expect(exitCodeFor('TRUSTED_KEYS')).toBe(11);
    if (process.platform !== 'win32') {
      const open = join(dir, 'open');
      mkdirSync(open);
      chmodSync(open, 0o777);
      await expect(readTrustedKeys(open)).rejects.toMatchObject({ code: 'TRUSTED_KEYS' });
    }
  });
});

describe('verifyApproval', () => {
  it('accepts a valid approval (targets compared case-insensitively)', () => {
    expect(() => verifyApproval(approve(), ctx())).not.toThrow();
  });

  it('survives a round trip through a file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'agmedic-appr-')), 'a.approval.json');
    writeFileSync(file, JSON.stringify(approve(), null, 2));
    verifyApproval(await readApprovalFile(file), ctx());
  });

  const cases: Array<[string, () => [unknown, ApprovalContext?], string, RegExp?]> = [
    ['no approval', () => [undefined], 'APPROVAL_MISSING'],
    ['a non-object', () => ['yes'], 'APPROVAL_FILE'],
    ['an unknown field', () => [{ ...approve(), allowAll: true }], 'APPROVAL_FILE'],
    ['a missing field', () => [{ ...approve(), approver: undefined }], 'APPROVAL_FILE'],
    ['an empty constraint', () => [{ ...approve(), parameters: { link: {} } }], 'APPROVAL_FILE'],
    ['a key that is not trusted', () => [approve({}, stranger.privateKeyPem)], 'APPROVAL_UNTRUSTED_KEY', new RegExp(stranger.keyId)],
    ['a tampered target list', () => [{ ...approve(), targets: ['127.0.0.1,11433', 'evil.example.com'] }], 'APPROVAL_BAD_SIGNATURE'],
    ['a tampered expiry', () => [{ ...approve(), expiresAt: '2030-01-01T00:00:00Z' }], 'APPROVAL_BAD_SIGNATURE'],
    ['a keyId swapped to another trusted key', () => {
      const c = ctx({ trustedKeys: [approver, stranger] });
      return [{ ...approve(), keyId: stranger.keyId }, c];
    }, 'APPROVAL_BAD_SIGNATURE'],
    ['an expired approval', () => [approve(), ctx({ now: new Date('2024-06-02T00:00:00Z') })], 'APPROVAL_EXPIRED', /expired at 2024-06-02T00:00:00.000Z/],
    ['an approval issued in the future', () => [approve(), ctx({ now: new Date('2024-05-31T23:00:00Z') })], 'APPROVAL_EXPIRED', /not valid before/],
    ['another runbook name', () => [approve(), ctx({ runbook: { name: 'cert-rotation', sha256: SHA } })], 'APPROVAL_WRONG_RUNBOOK', /cert-rotation/],
    ['a changed runbook', () => [approve(), ctx({ runbook: { name: 'split-brain-recovery', sha256: 'f'.repeat(64) } })], 'APPROVAL_WRONG_RUNBOOK', /changed since it was approved/],
    ['a target not covered', () => [approve(), ctx({ targets: ['127.0.0.1,11433', 'sql02.contoso.com'] })], 'APPROVAL_WRONG_TARGET', /sql02\.contoso\.com/],
    ['a value violating equals', () => [approve(), ctx({ parameters: { ...ctx().parameters, link: 'OtherLink' } })], 'APPROVAL_PARAM_CONSTRAINT', /link="OtherLink" violates equals "SalesLink"/],
    ['a value outside oneOf', () => [approve(), ctx({ parameters: { ...ctx().parameters, keep: 'both' } })], 'APPROVAL_PARAM_CONSTRAINT', /keep="both" violates oneOf/],
    ['a number above max', () => [approve(), ctx({ parameters: { ...ctx().parameters, waitSeconds: 601 } })], 'APPROVAL_PARAM_CONSTRAINT', /waitSeconds=601 violates max 600/],
    ['a string where min applies', () => [approve(), ctx({ parameters: { ...ctx().parameters, waitSeconds: '60' } })], 'APPROVAL_PARAM_CONSTRAINT', /violates min 10/],
    ['a partial pattern match', () => [approve(), ctx({ parameters: { ...ctx().parameters, tag: 'x nightly-7' } })], 'APPROVAL_PARAM_CONSTRAINT', /violates pattern/],
    ['a parameter not covered', () => [approve(), ctx({ parameters: { ...ctx().parameters, force: true } })], 'APPROVAL_PARAM_CONSTRAINT', /force=true is not covered/],
    ['a parameter named after an Object.prototype member', () => [approve(), ctx({ parameters: { constructor: 'x' } })], 'APPROVAL_PARAM_CONSTRAINT', /constructor/],
  ];
  it.each(cases)('refuses %s', (_name, make, code, message) => {
    const [approval, c] = make();
    const err = refusal(approval, c);
    expect(err.code).toBe(code);
    if (message) expect(err.message).toMatch(message);
  });

  it('checks in order: an expired approval for another runbook is refused as expired', () => {
    expect(refusal(approve(), ctx({ now: new Date('2025-01-01T00:00:00Z'), runbook: { name: 'x', sha256: SHA } })).code).toBe('APPROVAL_EXPIRED');
  });

  it('refuses a file that is not JSON, or not an approval; a missing one is APPROVAL_MISSING', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agmedic-appr-'));
    writeFileSync(join(dir, 'a.json'), '{ not json');
    await expect(readApprovalFile(join(dir, 'a.json'))).rejects.toMatchObject({ code: 'APPROVAL_FILE' });
    writeFileSync(join(dir, 'b.json'), JSON.stringify({ version: 2 }));
    await expect(readApprovalFile(join(dir, 'b.json'))).rejects.toMatchObject({ code: 'APPROVAL_FILE' });
    await expect(readApprovalFile(join(dir, 'missing.json'))).rejects.toMatchObject({ code: 'APPROVAL_MISSING' });
  });

  it('signing refuses input that could never verify, and keys that are not Ed25519', () => {
    expect(() => approve({ expiresAt: '2024-05-01T00:00:00Z' })).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(() => approve({ targets: [] })).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(() => approve({}, 'not a key')).toThrow(expect.objectContaining({ code: 'KEY_FILE' }));
  });
});
