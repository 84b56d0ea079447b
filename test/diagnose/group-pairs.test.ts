import { describe, expect, it } from 'vitest';
import { groupPairs, pairRole } from '../../src/diagnose/index.js';
import type { TargetConfig } from '../../src/ports/sql-target.js';

const t = (role: string): TargetConfig => ({
  role, server: 'h', port: 1433, encrypt: true, trustServerCertificate: false, connectTimeoutMs: 1, requestTimeoutMs: 1, auth: { type: 'sql', user: 'u', passwordEnv: 'P' },
});

describe('pairing targets into links', () => {
  it.each([
    ['sqlserver', { kind: 'sqlserver', id: '' }],
    ['mi', { kind: 'mi', id: '' }],
    ['sqlserver-12', { kind: 'sqlserver', id: '12' }],
    ['mi-west', { kind: 'mi', id: 'west' }],
    ['sales-sqlserver', { kind: 'sqlserver', id: 'sales' }],
    ['sales-mi', { kind: 'mi', id: 'sales' }],
    ['replica2', undefined],
  ])('%s', (role, want) => expect(pairRole(role)).toEqual(want));

  it('groups by id in natural order and leaves other roles out', () => {
    const roles = ['mi-10', 'sqlserver-10', 'sqlserver-2', 'mi-2', 'sqlserver', 'mi', 'witness', 'sales-sqlserver'];
    const { pairs, ignored } = groupPairs(Object.fromEntries(roles.map((r) => [r, t(r)])));
    expect(pairs.map((p) => [p.id, p.sqlserver?.role, p.mi?.role])).toEqual([
      ['', 'sqlserver', 'mi'],
      ['2', 'sqlserver-2', 'mi-2'],
      ['10', 'sqlserver-10', 'mi-10'],
      ['sales', 'sales-sqlserver', undefined],
    ]);
    expect(ignored).toEqual(['witness']);
  });

  it('selects pairs by id ("default" is the plain pair)', () => {
    const { pairs } = groupPairs(Object.fromEntries(['sqlserver', 'mi', 'sqlserver-2', 'mi-2'].map((r) => [r, t(r)])), ['default']);
    expect(pairs.map((p) => p.id)).toEqual(['']);
  });
});
