import { describe, expect, it } from 'vitest';
import { selectPair } from '../../../src/runtime/targets/index.js';
import type { TargetsConfig } from '../../../src/runtime/targets/index.js';
import type { TargetConfig } from '../../../src/ports/sql-target.js';

const target = (role: string, server: string): TargetConfig => ({
  role, server, port: 1433, encrypt: true, trustServerCertificate: false, connectTimeoutMs: 1, requestTimeoutMs: 1,
  auth: { type: 'sql', user: 'u', passwordEnv: 'P' },
});
const fleet: TargetsConfig = {
  path: 'fleet.yaml',
  targets: {
    sqlserver: target('sqlserver', 'a'), mi: target('mi', 'b'),
    'sqlserver-2': target('sqlserver-2', 'c'), 'mi-2': target('mi-2', 'd'),
    'east-sqlserver': target('east-sqlserver', 'e'), 'east-mi': target('east-mi', 'f'),
    witness: target('witness', 'w'),
  },
};

describe('selectPair', () => {
  it.each([
    ['2', 'c', 'd'],
    ['east', 'e', 'f'],
    ['default', 'a', 'b'],
  ])('pair %s becomes sqlserver/mi', (id, sql, mi) => {
    const picked = selectPair(fleet, id);
    expect(Object.keys(picked.targets).sort()).toEqual(['mi', 'sqlserver', 'witness']);
    expect(picked.targets.sqlserver).toMatchObject({ role: 'sqlserver', server: sql });
    expect(picked.targets.mi).toMatchObject({ role: 'mi', server: mi });
  });

  it('refuses a pair the file does not have, naming those it has', () => {
    expect(() => selectPair(fleet, '9')).toThrowError(expect.objectContaining({ code: 'UNKNOWN_TARGET', message: expect.stringContaining('default, 2, east') }));
  });
});
