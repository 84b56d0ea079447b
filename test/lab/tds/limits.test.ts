/**
 * What one client can make the lab hold (issue 14, "a lab that cannot be frozen"): packet and
 * handshake sizes, request size after login, connection count, time to log in — each limit
 * answered with SQL Server's own error or a closed socket, while other clients keep working.
 */
import sql from 'mssql';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_TDS_LIMITS } from '../../../src/lab/tds/index.js';
import { startLab, type Lab } from './harness.js';
import { errorNumbers, loggedIn, packet, packets, preloginPayload, RawClient, rpcPayload, sqlBatchPayload, TYPE } from './raw-client.js';

let lab: Lab | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await lab?.stop();
  lab = undefined;
});

async function raw(): Promise<RawClient> {
  const c = await RawClient.connect(lab!.server.port);
  clients.push(c);
  return c;
}

async function stillServes(): Promise<void> {
  const pool = await lab!.connect();
  expect((await pool.request().query('SELECT 1')).recordset).toEqual([{ '': 1 }]);
}

describe('sizes', () => {
  it('closes a connection whose packet header claims more than 32767 bytes, before the bytes arrive', async () => {
    lab = await startLab();
    const c = await raw();
    c.send(packet(TYPE.PRELOGIN, Buffer.alloc(100), 0x01, 40_000));
    expect(await c.whenClosed(1000)).toBe(true);
    await stillServes();
  });

  it('closes a pre-login connection once its message passes 32 KiB, without waiting for the end', async () => {
    lab = await startLab();
    const c = await raw();
    // Full-size packets without EOM: an unauthenticated client streaming a "PRELOGIN" forever.
    const chunk = packet(TYPE.PRELOGIN, Buffer.alloc(32_000), 0x00);
    c.send(chunk);
    c.send(chunk);
    expect(await c.whenClosed(1000)).toBe(true);
    await stillServes();
  });

  it('answers a request above the limit after login with Msg 8009 and keeps the session', async () => {
    lab = await startLab({ limits: { maxRequestBytes: 64 * 1024 } });
    const pool = await lab.connect();
    const big = 'x'.repeat(40_000); // 80 KB as UCS-2
    const err = await pool.request().input('v', sql.NVarChar(sql.MAX), big).query('ECHO').then(
      () => undefined,
      (e: unknown) => e as sql.RequestError,
    );
    expect(err?.number).toBe(8009);
    expect((await pool.request().query('SELECT 1')).recordset).toEqual([{ '': 1 }]);
    expect(lab.engine.requests.some((r) => r.text === 'ECHO')).toBe(false);
  });

  it('reads a request just under the limit', async () => {
    lab = await startLab({ limits: { maxRequestBytes: 64 * 1024 } });
    const c = await raw();
    expect(loggedIn(await c.login('sa', 'pw'))).toBe(true);
    c.send(packets(TYPE.SQL_BATCH, sqlBatchPayload(`SELECT 1${' '.repeat(30_000)}`)));
    expect(errorNumbers((await c.message())!)).toEqual([]);
  });
});

describe('connections', () => {
  it('refuses logins past maxConnections with Msg 17809, and a closed connection frees its slot', async () => {
    lab = await startLab({ limits: { maxConnections: 3 } });
    const held = [await raw(), await raw(), await raw()];
    for (const c of held) expect(loggedIn(await c.login('sa', 'pw'))).toBe(true);
    const over = await raw();
    const refused = await over.login('sa', 'pw');
    expect(errorNumbers(refused!)).toEqual([17809]);
    expect(await over.whenClosed()).toBe(true);
    // The real driver reports it as a login error with SQL Server's text.
    const err = await new sql.ConnectionPool(lab.config()).connect().then(
      () => undefined,
      (e: unknown) => e as sql.ConnectionError,
    );
    expect(err?.message).toMatch(/maximum number of '3' user connections/);
    held[0]!.destroy();
    await expect.poll(() => lab!.server.connectionCount()).toBe(2);
    await stillServes();
  });

  it('gives the slot of a failed login back (bad passwords cannot fill the cap)', async () => {
    lab = await startLab({ limits: { maxConnections: 2 } });
    for (let i = 0; i < 6; i++) {
      const c = await raw();
      expect(errorNumbers((await c.login('sa', 'wrong'))!)).toEqual([18456]);
      expect(await c.whenClosed()).toBe(true);
    }
    await expect.poll(() => lab!.server.connectionCount()).toBe(0);
    await stillServes();
  });

  it('closes connections past the cap and its refusal slack at accept', async () => {
    lab = await startLab({ limits: { maxConnections: 1 } });
    const all = await Promise.all(Array.from({ length: 40 }, () => raw()));
    // 1 served + 32 told why; the other 7 are closed by the listener without a word.
    await expect.poll(() => all.filter((c) => c.closed).length).toBeGreaterThanOrEqual(7);
    for (const c of all) c.destroy();
  });

  it('closes a connection that does not log in within handshakeTimeoutMs', async () => {
    lab = await startLab({ limits: { handshakeTimeoutMs: 300 } });
    const silent = await raw();
    const halfway = await raw();
    halfway.send(packet(TYPE.PRELOGIN, preloginPayload()));
    const t0 = Date.now();
    expect(await silent.whenClosed(2000)).toBe(true);
    expect(await halfway.whenClosed(2000)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(1500);
    // A logged-in session is not subject to it.
    const pool = await lab.connect();
    await new Promise((r) => setTimeout(r, 500));
    expect((await pool.request().query('SELECT 1')).recordset).toEqual([{ '': 1 }]);
  });

  it('has documented defaults', () => {
    expect(DEFAULT_TDS_LIMITS).toEqual({ maxConnections: 500, handshakeTimeoutMs: 15_000, maxRequestBytes: 16 * 1024 * 1024 });
  });
});

describe('fairness', () => {
  it('a client pipelining 4 s of slow requests does not hold up another connection', async () => {
    lab = await startLab();
    const greedy = await raw();
    expect(loggedIn(await greedy.login('sa', 'pw'))).toBe(true);
    // 200 requests of 20 ms each in one write: 4 s of work queued on one connection.
    greedy.send(Buffer.concat(Array.from({ length: 200 }, () => packets(TYPE.RPC, rpcPayload('WAITFOR 20')))));
    const pool = await lab.connect();
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) await pool.request().query('SELECT 1');
    expect(performance.now() - t0).toBeLessThan(1000);
    expect((await greedy.message())).toBeDefined();
  });

  it('stops reading from a client that does not read its answers, instead of buffering them', async () => {
    lab = await startLab();
    const c = await raw();
    expect(loggedIn(await c.login('sa', 'pw'))).toBe(true);
    c.socket.pause();
    // 2,000 requests for 1,000 rows each: ~200 MB of answers if the lab wrote them all out.
    const req = packets(TYPE.SQL_BATCH, sqlBatchPayload('ROWS 1000'));
    for (let i = 0; i < 2000; i++) c.send(req);
    await new Promise((r) => setTimeout(r, 1500));
    expect(lab.engine.requests.filter((r) => r.text === 'ROWS 1000').length).toBeLessThan(200);
    await stillServes();
  });
});
