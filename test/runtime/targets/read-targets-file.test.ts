import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgmedicError, formatDiagnostic, lineColOf } from '../../../src/errors.js';
import { parseTargets, readTargetsFile, resolveTargetsPath } from '../../../src/runtime/targets/index.js';
import { maskPasswords } from '../../../src/runtime/targets/read-targets-file.js';

function problems(text: string): Array<{ code: string; line: number; col: number; message: string }> {
  let err: unknown;
  try {
    parseTargets(text, 'targets.yaml', '/etc/agmedic');
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(AgmedicError);
  const e = err as AgmedicError;
  expect(e.code).toBe('TARGETS_FILE');
  return e.diagnostics.map((d) => ({ code: d.code, message: d.message, ...lineColOf(text, d.range?.start ?? -1) }));
}

const lines = (...l: string[]): string => `${l.join('\n')}\n`;

describe('readTargetsFile', () => {
  it('reads a valid file, applying defaults and resolving caFile against the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agmedic-targets-'));
    const path = join(dir, 'targets.yaml');
    writeFileSync(
      path,
      lines(
        'targets:',
        '  sqlserver:',
        '    server: sql01.contoso.local',
        '    encrypt: strict',
        '    caFile: certs/ca.pem',
        '    auth: { type: sql, user: agmedic, passwordEnv: SQL01_PASSWORD }',
        '  mi:',
        '    server: mi-prod.abc123.database.windows.net',
        '    port: 1433',
        '    auth: { type: entra, credential: managed-identity, clientId: 0000-1111 }',
        '    azure: { subscriptionId: sub-1, resourceGroup: rg-prod, instance: mi-prod, tokenEnv: LAB_TOKEN }',
      ),
    );
    const config = readTargetsFile(path);
    expect(config.path).toBe(path);
    expect(config.targets.sqlserver).toEqual({
      role: 'sqlserver',
      server: 'sql01.contoso.local',
      port: 1433,
      encrypt: 'strict',
      trustServerCertificate: false,
      caFile: join(dir, 'certs/ca.pem'),
      connectTimeoutMs: 15_000,
      requestTimeoutMs: 30_000,
      auth: { type: 'sql', user: 'agmedic', passwordEnv: 'SQL01_PASSWORD' },
    });
    expect(config.targets.mi).toMatchObject({
      role: 'mi',
      encrypt: true,
      auth: { type: 'entra', credential: 'managed-identity', clientId: '0000-1111' },
      azure: { subscriptionId: 'sub-1', resourceGroup: 'rg-prod', instance: 'mi-prod', tokenEnv: 'LAB_TOKEN' },
    });
  });

  it('refuses a password field anywhere, pointing at the key', () => {
    const text = lines('targets:', '  sqlserver:', '    server: sql01', '    auth:', '      type: sql', '      user: sa', '      password: hunter2');
    const found = problems(text);
    expect(found[0]).toMatchObject({ code: 'TARGETS_FILE', line: 7, col: 7 });
    expect(found[0]!.message).toMatch(/passwords never come from the targets file/);
    expect(found.map((f) => f.message).join('\n')).not.toContain('hunter2');
  });

  it('masks in one pass: a line of 20,000 nested mappings is an error, not a stack overflow', () => {
    const text = `targets: ${'{k: '.repeat(20_000)}{password: s3cret}${'}'.repeat(20_000)}`;
    const masked = maskPasswords(text);
    expect(masked.length).toBe(text.length);
    expect(masked).not.toContain('s3cret');
  });

  it('refuses a Password= inside a connection string without echoing it', () => {
    const text = lines(
      'targets:',
      '  sqlserver:',
      '    connectionString: "Server=tcp:sql01,1433;User ID=sa;Password=hunter2"',
      '    auth: { type: sql, user: sa, passwordEnv: PW }',
    );
    const found = problems(text);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ line: 3, col: 23 });
    expect(found[0]!.message).toMatch(/Password= is refused/);
    expect(found[0]!.message).not.toContain('hunter2');
  });

  it('names an unknown auth type at its value', () => {
    const text = lines('targets:', '  sqlserver:', '    server: sql01', '    auth:', '      type: kerberos', '      user: sa');
    const found = problems(text);
    expect(found[0]).toMatchObject({ line: 5, col: 13 });
    expect(found[0]!.message).toMatch(/sql, entra or ntlm/);
  });

  it('reports a missing server at the role, and collects every problem', () => {
    const text = lines(
      'targets:',
      '  sqlserver:',
      '    auth: { type: sql, user: sa, passwordEnv: PW }',
      '  mi:',
      '    server: mi01',
      '    prot: 1433',
      '    auth: { type: sql, user: sa, passwordEnv: "not a name" }',
    );
    const found = problems(text);
    expect(found.map(({ line, col }) => [line, col])).toEqual(
      expect.arrayContaining([
        [2, 3], // targets.sqlserver: missing field "server"
        [6, 5], // unknown field "prot"
        [7, 47], // passwordEnv is not an env variable name
      ]),
    );
    expect(found.find((f) => f.line === 2)!.message).toBe('targets.sqlserver: missing field "server"');
    expect(found.find((f) => f.line === 6)!.message).toMatch(/unknown field "prot"/);
  });

  it('reports YAML syntax errors and duplicate keys with positions', () => {
    expect(problems(lines('targets:', '  a: [1, 2', '  b: 3'))[0]!.line).toBeGreaterThanOrEqual(2);
    expect(problems(lines('targets:', '  sql:', '    server: a', '    server: b'))[0]).toMatchObject({ line: 4 });
  });

  it('formats the error as file:line:col with the code', () => {
    try {
      parseTargets(lines('targets:', '  sqlserver:', '    auth: { type: sql, user: sa, passwordEnv: PW }'), 'prod.yaml', '/');
      expect.unreachable();
    } catch (err) {
      const e = err as AgmedicError;
      expect(e.message).toBe('prod.yaml:2:3  TARGETS_FILE  targets.sqlserver: missing field "server"');
      expect(formatDiagnostic(e.diagnostics[0]!)).toContain('  sqlserver:');
    }
  });

  it('fills server, port, database, encrypt and the user from a connection string; explicit fields win', () => {
    const config = parseTargets(
      lines(
        'targets:',
        '  sqlserver:',
        '    connectionString: "Server=tcp:sql01.contoso.local,14333;Initial Catalog=master;Encrypt=Strict;TrustServerCertificate=False;User ID=agmedic"',
        '    database: msdb',
        '    auth: { type: sql, passwordEnv: SQL01_PASSWORD }',
        '  mi:',
        '    connectionString: "Server=mi.database.windows.net;Authentication=Active Directory Default"',
      ),
      't.yaml',
      '/',
    );
    expect(config.targets.sqlserver).toMatchObject({
      server: 'sql01.contoso.local',
      port: 14333,
      database: 'msdb',
      encrypt: 'strict',
      trustServerCertificate: false,
      auth: { type: 'sql', user: 'agmedic', passwordEnv: 'SQL01_PASSWORD' },
    });
    expect(config.targets.mi).toMatchObject({ server: 'mi.database.windows.net', port: 1433, auth: { type: 'entra', credential: 'default' } });
  });

  it('names an unreadable file', () => {
    expect(() => readTargetsFile('/nonexistent/targets.yaml')).toThrow(expect.objectContaining({ code: 'TARGETS_FILE', message: expect.stringMatching(/ENOENT/) }));
  });

  it('takes the path from -t first, then AGMEDIC_TARGETS', () => {
    expect(resolveTargetsPath('a.yaml', { AGMEDIC_TARGETS: 'b.yaml' })).toBe('a.yaml');
    expect(resolveTargetsPath(undefined, { AGMEDIC_TARGETS: 'b.yaml' })).toBe('b.yaml');
    expect(resolveTargetsPath(undefined, {})).toBeUndefined();
  });
});

describe('a password put in the targets file', () => {
  it('is refused without ever being echoed in the error or its source excerpts', () => {
    const text = [
      'targets:',
      '  sqlserver:',
      '    server: a',
      '    password: AnotherSecret99',
      '    auth: { type: sql, user: u, passwordEnv: P }',
      '  mi:',
      '    connectionString: "Server=x;Password=Hunter2Secret!;Database=d"',
      '    auth: { type: sql, user: u, passwordEnv: P }',
    ].join('\n');
    let err: AgmedicError | undefined;
    try {
      parseTargets(text, 'prod.yaml', '/');
    } catch (e) {
      err = e as AgmedicError;
    }
    expect(err?.code).toBe('TARGETS_FILE');
    const shown = [err!.message, ...err!.diagnostics.map(formatDiagnostic)].join('\n');
    expect(shown).toMatch(/password/i);
    expect(shown).not.toContain('AnotherSecret99');
    expect(shown).not.toContain('Hunter2Secret!');
  });
});

describe('a password under a misspelt key, or where a line scan could miss it', () => {
  it.each([
    ['yaml key', ['    pasword: AnotherSecret99']],
    ['yaml key in a flow map, after other keys', ['    auth: { type: sql, user: u, password: AnotherSecret99 }']],
    ['value holding a # (a comment needs a space before it)', ['    password: x#AnotherSecret99']],
    ['quoted value holding " #"', ['    password: "x #AnotherSecret99"']],
    ['quoted value holding " #" in a flow map', ['    auth: { type: sql, user: u, password: "x #AnotherSecret99" }']],
    ['yaml key in a flow map', ['    auth: { type: sql, user: u, passwordEnv: P, Passwrd: AnotherSecret99 }']],
    ['quoted yaml key', ['    "passowrd": AnotherSecret99']],
    ['connection string', ['    connectionString: "Server=x;Passwrd=AnotherSecret99;Database=d"']],
    ['connection string, spaced', ['    connectionString: "Server=x; Pass word = AnotherSecret99"']],
  ])('is masked in every message (%s)', (_what, extra) => {
    const text = ['targets:', '  sqlserver:', '    server: a', ...extra, '    auth: { type: sql, user: u, passwordEnv: P }'].join('\n');
    let err: AgmedicError | undefined;
    try {
      parseTargets(text, 'prod.yaml', '/');
    } catch (e) {
      err = e as AgmedicError;
    }
    expect(err?.code).toBe('TARGETS_FILE');
    // The excerpts, and the masked file text each diagnostic carries (what --json and logs print).
    const shown = [err!.message, JSON.stringify(err!.details ?? {}), ...err!.diagnostics.map(formatDiagnostic), ...err!.diagnostics.map((d) => d.source?.text ?? '')].join('\n');
    expect(shown).not.toContain('AnotherSecret99');
  });
});

describe('fleet-sized targets files', () => {
  it('loads 200 pairs sharing one anchored auth block', () => {
    const l = ['targets:', '  sqlserver-0: { server: sql0, auth: &auth { type: sql, user: agmedic, passwordEnv: P } }', '  mi-0: { server: mi0, auth: *auth }'];
    for (let i = 1; i < 200; i++) l.push(`  sqlserver-${i}: { server: sql${i}, auth: *auth }`, `  mi-${i}: { server: mi${i}, auth: *auth }`);
    const { targets } = parseTargets(l.join('\n'), 'fleet.yaml', '/');
    expect(Object.keys(targets)).toHaveLength(400);
    expect(targets['mi-199']!.auth).toEqual({ type: 'sql', user: 'agmedic', passwordEnv: 'P' });
  });

  it('still refuses an alias bomb with a coded error', () => {
    const l = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 9; i++) l.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`);
    l.push('targets: {}');
    let err: unknown;
    try {
      parseTargets(l.join('\n'), 'bomb.yaml', '/');
    } catch (e) {
      err = e;
    }
    expect((err as AgmedicError).code).toBe('TARGETS_FILE');
  });
});
