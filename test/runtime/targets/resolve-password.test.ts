import { describe, expect, it } from 'vitest';
import { Secret } from '../../../src/ports/secret.js';
import { resolvePassword } from '../../../src/runtime/targets/index.js';

const target = { role: 'sqlserver', auth: { type: 'sql' as const, user: 'sa', passwordEnv: 'SQL01_PASSWORD' } };

describe('resolvePassword', () => {
  it('reads the variable at call time', async () => {
    expect((await resolvePassword(target, undefined, { SQL01_PASSWORD: 'pw-1' })).reveal()).toBe('pw-1');
  });

  it('asks the prompter with the role when the variable is unset', async () => {
    const asked: string[] = [];
    const got = await resolvePassword(target, async (role) => (asked.push(role), new Secret('typed')), {});
    expect([got.reveal(), asked]).toEqual(['typed', ['sqlserver']]);
  });

  it('without a prompter is SECRET_MISSING naming the variable', async () => {
    await expect(resolvePassword(target, undefined, { SQL01_PASSWORD: '' })).rejects.toMatchObject({
      code: 'SECRET_MISSING',
      details: { role: 'sqlserver', variable: 'SQL01_PASSWORD' },
      message: expect.stringContaining('SQL01_PASSWORD'),
    });
  });

  it('an Entra target has no password to resolve', async () => {
    await expect(resolvePassword({ role: 'mi', auth: { type: 'entra', credential: 'default' } }, undefined, {})).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});
