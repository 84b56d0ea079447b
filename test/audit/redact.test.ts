import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openAuditLog } from '../../src/audit/open-audit-log.js';
import { REDACTED, redact, redactString } from '../../src/audit/redact.js';
import { verifyAuditLog } from '../../src/audit/verify-audit-log.js';
import { AgmedicError } from '../../src/errors.js';
import { Secret } from '../../src/ports/secret.js';
import { steppingClock, tempDir } from './helpers.js';

const PASSWORD = 'S3cr3t!-do-not-log-42';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as AgmedicError).code;
  }
  return undefined;
}

describe('redact', () => {
  it('masks values under misspelt password keys, in objects and connection strings', () => {
    const out = redact({ pasword: PASSWORD, nested: { Passwrd: PASSWORD }, conn: `Server=x;Passwrd=${PASSWORD};Database=d`, conn2: `Server=x; pasword = {${PASSWORD}}` });
    expect(JSON.stringify(out)).not.toContain(PASSWORD);
    expect(out).toMatchObject({ pasword: REDACTED, nested: { Passwrd: REDACTED } });
    expect(redactString('Server=x;Database=d;User Id=u')).toBe('Server=x;Database=d;User Id=u');
    expect(redactString('SELECT 1 AS n; SELECT name FROM t WHERE role = @role')).toBe('SELECT 1 AS n; SELECT name FROM t WHERE role = @role');
  });

  it('masks values under sensitive keys at any depth, keeping other fields', () => {
    const out = redact({
      server: 'sql01',
      password: PASSWORD,
      nested: { Pwd: PASSWORD, clientSecret: PASSWORD, accessToken: PASSWORD, apiKey: PASSWORD, keyId: 'abc', list: [{ sasKey: PASSWORD }] },
    });
    expect(out).toEqual({
      server: 'sql01',
      password: REDACTED,
      nested: { Pwd: REDACTED, clientSecret: REDACTED, accessToken: REDACTED, apiKey: REDACTED, keyId: 'abc', list: [{ sasKey: REDACTED }] },
    });
  });

  it.each([
    [`Server=sql01;User Id=sa;Password=${PASSWORD};Encrypt=true`, 'Server=sql01;User Id=sa;Password=[redacted];Encrypt=true'],
    [`Driver={ODBC Driver 18};PWD={${PASSWORD};with}}brace};UID=sa`, 'Driver={ODBC Driver 18};PWD=[redacted];UID=sa'],
    [`Data Source=x;password = "${PASSWORD};quoted";`, 'Data Source=x;password = [redacted];'],
    [`CREATE LOGIN l WITH PASSWORD = N'${PASSWORD}''s', CHECK_POLICY = OFF`, 'CREATE LOGIN l WITH PASSWORD = [redacted], CHECK_POLICY = OFF'],
    ['SELECT 1 AS n', 'SELECT 1 AS n'],
  ])('masks passwords inside %s', (input, expected) => {
    expect(redactString(input)).toBe(expected);
  });

  it('refuses a Secret anywhere, even under a masked key', () => {
    expect(codeOf(() => redact({ a: [{ b: new Secret(PASSWORD) }] }))).toBe('INTERNAL');
    expect(codeOf(() => redact({ password: new Secret(PASSWORD) }))).toBe('INTERNAL');
  });

  it('turns non-JSON values into JSON and refuses what cannot be recorded', () => {
    expect(redact({ d: new Date('2024-01-02T03:04:05Z'), b: 10n, bytes: Uint8Array.from([1, 171]), n: NaN, u: undefined })).toEqual({
      d: '2024-01-02T03:04:05.000Z',
      b: '10',
      bytes: '0x01ab',
      n: 'NaN',
    });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(codeOf(() => redact(cyclic))).toBe('INTERNAL');
    expect(codeOf(() => redact({ f: () => 1 }))).toBe('INTERNAL');
    expect(codeOf(() => redact({ m: new Map() }))).toBe('INTERNAL');
  });
});

describe('a password never reaches the audit file', () => {
  it('greps the bytes of a log written with the password in keys, connection strings and SQL', async () => {
    const path = join(tempDir(), 'audit.jsonl');
    const sink = await openAuditLog({ path, clock: steppingClock() });
    await sink.append({
      type: 'run-start',
      runId: 'r1',
      runbook: { name: 'split-brain-recovery', sha256: 'a'.repeat(64) },
      parameters: { link: 'SalesLink', sqlPassword: PASSWORD, connectionString: `Server=sql01;Password=${PASSWORD};` },
      mode: 'unattended',
      operator: 'alice',
      host: 'ops01',
      targets: [{ name: 'sqlserver', server: 'sql01,1433' }],
    });
    await sink.append({
      type: 'statement',
      runId: 'r1',
      step: 'login',
      target: 'sqlserver',
      server: 'sql01,1433',
      text: `CREATE LOGIN agmedic WITH PASSWORD = N'${PASSWORD}'`,
      parameters: { pwd: PASSWORD },
      durationMs: 3,
      outcome: { status: 'error', number: 18456, message: `Login failed; connection string was Password=${PASSWORD};` },
    });
    await sink.append({
      type: 'azure-call',
      runId: 'r1',
      step: 'failover',
      target: 'mi',
      method: 'POST',
      path: '/subscriptions/x/…/distributedAvailabilityGroups/SalesLink/failover',
      apiVersion: '2023-08-01',
      body: { properties: { token: PASSWORD } },
      status: 202,
      durationMs: 40,
    });
    await expect(
      sink.append({ type: 'abort', runId: 'r1', by: 'error', reason: 'x', code: new Secret(PASSWORD) as unknown as string }),
    ).rejects.toMatchObject({ code: 'INTERNAL' });
    await sink.close();

    const bytes = readFileSync(path);
    expect(bytes.includes(Buffer.from(PASSWORD))).toBe(false);
    expect(bytes.toString('utf8').split('\n').filter(Boolean)).toHaveLength(3);
    expect(bytes.toString('utf8')).toContain(REDACTED);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: true, records: 3 });
  });
});
