import { describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { parseConnectionString } from '../../../src/runtime/targets/index.js';

describe('parseConnectionString', () => {
  it.each([
    ['Server=sql01;Database=master', { server: 'sql01', database: 'master' }],
    ['Server=tcp:sql01.contoso.local,1433;Initial Catalog=Sales', { server: 'sql01.contoso.local', port: 1433, database: 'Sales' }],
    ['Data Source=10.0.0.5,14333; Encrypt=Mandatory; TrustServerCertificate=yes', { server: '10.0.0.5', port: 14333, encrypt: true, trustServerCertificate: true }],
    ['server=(local);encrypt=optional', { server: 'localhost', encrypt: false }],
    ['Server=mi;Encrypt=Strict;User Id=agmedic;Connect Timeout=30', { server: 'mi', encrypt: 'strict', user: 'agmedic', connectTimeoutMs: 30_000 }],
    ['Server=mi;Authentication="Active Directory Managed Identity";Application Name=x', { server: 'mi', entraCredential: 'managed-identity' }],
    ["Server=a;Database='it''s;db';", { server: 'a', database: "it's;db" }],
  ])('%s', (input, expected) => {
    expect(parseConnectionString(input)).toEqual(expected);
  });

  it.each([
    ['Server=np:sql01', /only tcp:/],
    ['Server=sql01\\INST', /named instance/],
    ['Server=sql01,99999', /port "99999"/],
    ['Server=a;Encrypt=maybe', /Encrypt="maybe"/],
    ['Server=a;Colour=blue', /unknown key "colour"/],
    ['Server=a;Server=b', /given twice/],
    ['Server=a;Database="x', /unterminated/],
    ['Server=a;Authentication=ActiveDirectoryPassword', /not supported/],
  ])('refuses %s', (input, message) => {
    expect(() => parseConnectionString(input)).toThrow(expect.objectContaining({ code: 'TARGETS_FILE', message: expect.stringMatching(message) }));
  });

  it('wraps a password as a Secret and never echoes it in errors', () => {
    const parts = parseConnectionString('Server=a;Pwd=hunter2');
    expect(parts.password?.reveal()).toBe('hunter2');
    expect(inspect(parts)).not.toContain('hunter2');
    expect(() => parseConnectionString('Server=a;Password hunter2')).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
  });
});
