import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keyIdOf } from '../../src/runtime/approval/index.js';
import { cli, isolatedHome, tempDir } from './helpers/approval-audit-env.js';

isolatedHome();

describe('agmedic keygen', () => {
  it('writes an Ed25519 pair, the private key readable by its owner only', async () => {
    const dir = tempDir();
    const r = await cli('keygen', '--out', dir, '--name', 'alice', '--json');
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout) as { keyId: string; privateKey: string; publicKey: string };
    expect(info.privateKey).toBe(join(dir, 'alice.key'));
    expect(info.publicKey).toBe(join(dir, 'alice.pub'));
    expect(statSync(info.privateKey).mode & 0o777).toBe(0o600);
    expect(readFileSync(info.privateKey, 'utf8')).toContain('BEGIN PRIVATE KEY');
    expect(info.keyId).toBe(keyIdOf(readFileSync(info.publicKey, 'utf8')));
  });

  it('creates the folder when needed and says where to put the public key', async () => {
    const dir = join(tempDir(), 'nested', 'keys');
    const r = await cli('keygen', '--out', dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/key id +[0-9a-f]{16}/);
    expect(r.stdout).toContain(join(dir, 'approver.key'));
    expect(r.stdout).toContain('trusted-keys');
  });

  it.each([
    ['an existing key is never overwritten', (dir: string) => ['keygen', '--out', dir], 1, 'KEY_FILE'],
    ['--out is required', () => ['keygen'], 2, ''],
    ['a name with a slash is refused', (dir: string) => ['keygen', '--out', dir, '--name', '../x'], 2, 'USAGE'],
  ])('%s', async (_name, args, code, errorCode) => {
    const dir = tempDir();
    await cli('keygen', '--out', dir);
    const r = await cli(...args(dir));
    expect(r.code).toBe(code);
    if (errorCode) expect(r.stderr).toContain(errorCode);
  });
});
