import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openSqlTarget } from '../../src/adapters/mssql-target.js';
import { AgmedicError } from '../../src/errors.js';
import { generateLabCertificate } from '../../src/lab/tds/index.js';
import { Secret } from '../../src/ports/secret.js';
import type { SqlTarget } from '../../src/ports/sql-target.js';
import { PASSWORD } from './helpers/applock-engine.js';
import { closedPort, startSqlLab, type SqlLab } from './helpers/sql-lab.js';

let lab: SqlLab;
const open: SqlTarget[] = [];
const password = new Secret(PASSWORD);

async function connect(role = 'sqlserver', overrides = {}): Promise<SqlTarget> {
  const t = await openSqlTarget(role, lab.target({ role, ...overrides }), password);
  open.push(t);
  return t;
}

async function rejection(p: Promise<unknown>): Promise<AgmedicError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AgmedicError);
  return err as AgmedicError;
}

beforeAll(async () => {
  lab = await startSqlLab();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});
afterAll(async () => {
  await lab.stop();
});

describe('openSqlTarget over TDS', () => {
  it('describes itself by role and host,port only', async () => {
    const t = await connect();
    expect(t.describe()).toBe(`sqlserver (127.0.0.1,${lab.server.port})`);
    expect(t.describe()).not.toContain(PASSWORD);
  });

  it('binds parameters with inferred and explicit types, and values round-trip', async () => {
    const t = await connect();
    const when = new Date('2025-06-01T08:00:00.123Z');
    const res = await t.query(
      'ECHO',
      [
        { name: 'link', value: "Sales'Link" },
        { name: 'n', value: 42 },
        { name: 'big', value: 9_007_199_254_740_993n },
        { name: 'flag', value: true },
        { name: 'ratio', value: 0.25 },
        { name: 'at', value: when },
        { name: 'bytes', value: new Uint8Array([1, 2, 255]) },
        { name: 'none', value: null },
        { name: 'amount', value: '12.50', type: 'decimal' },
        { name: 'wide', value: 7, type: 'bigint' },
        { name: 'f', value: 3, type: 'float' },
      ],
      {},
    );
    expect(res.recordsets).toHaveLength(2);
    expect(res.rows).toBe(res.recordsets[1]);
    expect(Object.fromEntries(res.rows.map((r) => [r.name, r.type]))).toEqual({
      link: 'nvarchar', n: 'int', big: 'bigint', flag: 'bit', ratio: 'float', at: 'datetime2',
      bytes: 'varbinary', none: 'nvarchar', amount: 'decimal', wide: 'bigint', f: 'float',
    });
    const echoed = res.recordsets[0]![0]!;
    expect(echoed).toMatchObject({ link: "Sales'Link", n: 42, flag: true, ratio: 0.25, none: null, amount: 12.5, f: 3 });
    expect(String(echoed.big)).toBe('9007199254740993');
    expect((echoed.at as Date).toISOString()).toBe(when.toISOString());
    expect([...(echoed.bytes as Uint8Array)]).toEqual([1, 2, 255]);
    expect(lab.engine.requests.at(-1)!.kind).toBe('rpc'); // sp_executesql: values never spliced into text
    expect(res.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('returns every recordset, the last as rows, and rowsAffected', async () => {
    const t = await connect();
    const res = await t.query('MULTI', [], {});
    expect(res.recordsets).toEqual([[{ a: 1 }, { a: 2 }], [{ b: 'last' }]]);
    expect(res.rows).toEqual([{ b: 'last' }]);
    expect(res.rowsAffected).toContain(3);
  });

  it('refuses a value that does not fit the declared type before sending anything', async () => {
    const t = await connect();
    const before = lab.engine.requests.length;
    const err = await rejection(t.query('ECHO', [{ name: 'n', value: 'forty', type: 'int' }], {}));
    expect(err.code).toBe('BAD_PARAM_VALUE');
    expect(lab.engine.requests.length).toBe(before);
  });

  it('turns a server error into SQL_ERROR with number, class, state and line', async () => {
    const t = await connect();
    const err = await rejection(t.query('SELECT * FROM missing', [], {}));
    expect(err.code).toBe('SQL_ERROR');
    expect(err.details).toMatchObject({ role: 'sqlserver', sqlError: { number: 208, class: 16, state: 1, lineNumber: 1, message: "Invalid object name 'missing'." } });
    expect((await t.query('SELECT @@SPID AS spid', [], {})).rows).toHaveLength(1);
  });

  it('cancels a running statement through the AbortSignal and stays usable on the same session', async () => {
    const t = await connect('sqlserver', {});
    const ac = new AbortController();
    const started = Date.now();
    const pending = rejection(t.query("WAITFOR DELAY '00:00:10'", [], { signal: ac.signal }));
    await expect.poll(() => lab.engine.requests.some((r) => r.text.startsWith('WAITFOR'))).toBe(true);
    ac.abort();
    const err = await pending;
    expect(err.code).toBe('CANCELLED');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(lab.engine.requests.find((r) => r.text.startsWith('WAITFOR'))!.signal.aborted).toBe(true);
    expect((await t.query('SELECT @@SPID AS spid', [], {})).rows[0]!.spid).toEqual(expect.any(Number));
    expect((await rejection(t.query('SELECT 1', [], { signal: ac.signal }))).code).toBe('CANCELLED');
  });

  it('a per-statement timeout cancels the statement with STEP_TIMEOUT', async () => {
    const t = await connect();
    const err = await rejection(t.query("WAITFOR DELAY '00:00:10'", [], { timeoutMs: 300 }));
    expect(err.code).toBe('STEP_TIMEOUT');
    expect((await t.query('MULTI', [], {})).rows).toEqual([{ b: 'last' }]);
  });

  it('a wrong password is LOGIN_FAILED naming role and server, and never carries the password', async () => {
    const wrong = new Secret(`${PASSWORD}-wrong`);
    const err = await rejection(openSqlTarget('mi', lab.target({ role: 'mi' }), wrong));
    expect(err.code).toBe('LOGIN_FAILED');
    expect(err.message).toContain(`mi (127.0.0.1,${lab.server.port})`);
    expect(err.message).toMatch(/Login failed/);
    expect(err.details).toMatchObject({ role: 'mi', server: `127.0.0.1,${lab.server.port}` });
    for (const text of [err.message, JSON.stringify(err.details), inspect(err, { depth: 10 }), String(err.stack)]) {
      expect(text).not.toContain(PASSWORD);
    }
  });

  it('an unreachable port is CONNECT_FAILED naming role and server', async () => {
    const port = await closedPort();
    const err = await rejection(openSqlTarget('sqlserver', lab.target({ port, connectTimeoutMs: 3000 }), password));
    expect(err.code).toBe('CONNECT_FAILED');
    expect(err.message).toContain(`sqlserver (127.0.0.1,${port})`);
    expect(err.message).toMatch(/ECONNREFUSED|Failed to connect/);
    expect(inspect(err, { depth: 10 })).not.toContain(PASSWORD);
  });

  it('refuses a credential of the wrong kind for the auth type', async () => {
    const err = await rejection(openSqlTarget('sqlserver', lab.target({ auth: { type: 'entra', credential: 'default' } }), password));
    expect(err.code).toBe('INTERNAL');
  });
});

describe('application locks', () => {
  const lockCalls = (): number => lab.engine.requests.filter((r) => r.text === 'EXEC sp_getapplock').length;

  it('grants, refuses a second target with LOCK_HELD, and hands over on release', async () => {
    const a = await connect('sqlserver');
    const b = await connect('sqlserver-2');
    const got = await a.acquireLock('agmedic:SalesLink', { timeoutMs: 0 });
    expect(got).toMatchObject({ resource: 'agmedic:SalesLink', returnCode: 0, sessionId: expect.any(Number) });
    expect(lab.engine.locks.get('agmedic:saleslink')).toBe(got.sessionId);
    // The pool's sessions are not the lock's: statements do not disturb it.
    const spid = (await a.query('SELECT @@SPID AS spid', [], {})).rows[0]!.spid;
    expect(spid).not.toBe(got.sessionId);
    expect(await a.acquireLock('agmedic:SalesLink', { timeoutMs: 0 })).toBe(got);

    const err = await rejection(b.acquireLock('agmedic:SalesLink', { timeoutMs: 100 }));
    expect(err.code).toBe('LOCK_HELD');
    expect(err.details).toMatchObject({ role: 'sqlserver-2', resource: 'agmedic:SalesLink', returnCode: -1 });

    await a.releaseLock('agmedic:SalesLink');
    expect(lab.engine.locks.has('agmedic:saleslink')).toBe(false);
    expect((await b.acquireLock('agmedic:SalesLink', { timeoutMs: 0 })).returnCode).toBe(0);
    await a.releaseLock('agmedic:SalesLink'); // not held by a: a no-op
    expect(lab.engine.locks.has('agmedic:saleslink')).toBe(true);
  });

  it('a waiter is granted (code 1) when the holder closes, since the lock ends with its session', async () => {
    const a = await connect('sqlserver');
    const b = await connect('mi');
    await a.acquireLock('agmedic:x', { timeoutMs: 0 });
    const before = lockCalls();
    const waiting = b.acquireLock('agmedic:x', { timeoutMs: 5000 });
    await expect.poll(lockCalls).toBe(before + 1);
    await a.close();
    expect((await waiting).returnCode).toBe(1);
  });

  it('a lock wait is cancellable through the signal', async () => {
    const a = await connect('sqlserver');
    const b = await connect('mi');
    await a.acquireLock('agmedic:y', { timeoutMs: 0 });
    const before = lockCalls();
    const ac = new AbortController();
    const waiting = rejection(b.acquireLock('agmedic:y', { timeoutMs: 10_000, signal: ac.signal }));
    await expect.poll(lockCalls).toBe(before + 1);
    ac.abort();
    expect((await waiting).code).toBe('CANCELLED');
    expect(lab.engine.requests.filter((r) => r.text === 'EXEC sp_getapplock').at(-1)!.signal.aborted).toBe(true);
    // The holder keeps its lock, and the cancelled target can still ask again.
    expect(lab.engine.locks.get('agmedic:y')).toBeDefined();
    expect((await rejection(b.acquireLock('agmedic:y', { timeoutMs: 0 }))).code).toBe('LOCK_HELD');
  });
});

describe('TDS 8.0 strict encryption', () => {
  let strict: SqlLab;
  let caFile: string;
  beforeAll(async () => {
    const pems = await generateLabCertificate(['127.0.0.1', 'localhost']);
    strict = await startSqlLab({ tls: { key: pems.key, cert: pems.cert } });
    caFile = join(mkdtempSync(join(tmpdir(), 'agmedic-ca-')), 'lab-ca.pem');
    writeFileSync(caFile, pems.ca);
  });
  afterAll(async () => {
    await strict.stop();
  });

  it('connects with encrypt: strict when the CA file is trusted', async () => {
    const t = await openSqlTarget('sqlserver', strict.target({ encrypt: 'strict', trustServerCertificate: false, caFile }), password);
    try {
      expect((await t.query('MULTI', [], {})).rows).toEqual([{ b: 'last' }]);
    } finally {
      await t.close();
    }
  });

  it('fails with CONNECT_FAILED when the certificate does not chain to a trusted CA', async () => {
    const err = await rejection(openSqlTarget('sqlserver', strict.target({ encrypt: 'strict', trustServerCertificate: false }), password));
    expect(err.code).toBe('CONNECT_FAILED');
    expect(err.message).toMatch(/certificate|self.signed/i);
  });

  it('names a missing CA file', async () => {
    const err = await rejection(openSqlTarget('sqlserver', strict.target({ encrypt: 'strict', caFile: '/nonexistent/ca.pem' }), password));
    expect([err.code, err.details?.caFile]).toEqual(['CONNECT_FAILED', '/nonexistent/ca.pem']);
  });
});
