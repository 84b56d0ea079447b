import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labPassword } from '../../src/cli/commands/lab-up.js';
import { LAB_DEFAULT_PASSWORD } from '../../src/lab/index.js';

describe('lab up: where the password comes from (never only argv, which ps shows)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agmedic-labpw-'));
  const file = join(dir, 'pw');
  writeFileSync(file, 'From-File-1\nignored\n', { mode: 0o600 });

  it.each([
    ['--password-file wins', { passwordFile: file, password: 'argv' }, { AGMEDIC_LAB_PASSWORD: 'env' }, 'From-File-1'],
    ['then --password', { password: 'argv' }, { AGMEDIC_LAB_PASSWORD: 'env' }, 'argv'],
    ['then $AGMEDIC_LAB_PASSWORD', {}, { AGMEDIC_LAB_PASSWORD: 'From-Env-2' }, 'From-Env-2'],
    ['else the public default', {}, {}, LAB_DEFAULT_PASSWORD],
  ])('%s', (_what, opts, env, want) => {
    expect(labPassword(opts, env)).toBe(want);
  });

  it.each([
    ['a missing file', join(dir, 'missing'), 'FILE_READ'],
    ['an empty file', (() => (writeFileSync(join(dir, 'empty'), '\n'), join(dir, 'empty')))(), 'USAGE'],
  ])('refuses %s with a code', (_what, passwordFile, code) => {
    expect(() => labPassword({ passwordFile }, {})).toThrow(expect.objectContaining({ code }));
  });
});
