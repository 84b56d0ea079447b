/**
 * Property-based fuzzing of the lab's TDS front end (issue 14): random and mutated PRELOGIN,
 * LOGIN7, SQL_BATCH, RPC, transaction-manager and ATTENTION messages, truncated packets and lying
 * length fields, sent before, during and after login to the real lab (SQL engine included). For
 * every input the lab answers a complete message (with a result or a TDS error) or closes the
 * connection, never crashes, and keeps serving others — checked after each case with a real mssql
 * query that must answer within a second.
 *
 * CI runs a fixed seed; `node scripts/fuzz-tds.mjs [runs] [seed]` runs longer campaigns.
 */
import fc from 'fast-check';
import sql from 'mssql';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLab, type Lab } from '../../../src/lab/index.js';
import { labConfig } from '../../integration/helpers/lab-client.js';
import { login7Payload, packet, preloginPayload, RawClient, rpcPayload, sqlBatchPayload, TYPE } from './raw-client.js';

const RUNS = Number(process.env.FUZZ_TDS_RUNS ?? 120);
const SEED = Number(process.env.FUZZ_TDS_SEED ?? 14014);

let lab: Lab;
let pool: sql.ConnectionPool;
beforeAll(async () => {
  lab = await startLab({ password: 'pw' });
  pool = await new sql.ConnectionPool(labConfig(lab, lab.sqlserver, { requestTimeout: 1000 })).connect();
}, 30_000);
afterAll(async () => {
  await pool?.close();
  await lab?.close();
});

type Stage = 'prelogin' | 'login' | 'ready';

interface FuzzCase {
  stage: Stage;
  /** What is sent once the stage is reached. */
  bytes: Buffer;
  /** Every packet's length is honest and the last ends a message: the lab must answer or close. */
  complete: boolean;
}

const VALID: Record<string, () => Buffer> = {
  prelogin: preloginPayload,
  login7: () => login7Payload({ user: 'sa', password: 'pw' }),
  sqlBatch: () => sqlBatchPayload("SELECT name FROM sys.databases WHERE name = N'master'"),
  rpc: () => rpcPayload('SELECT 1 AS one'),
  tm: () => Buffer.from([0x16, 0, 0, 0, 0x12, 0, 0, 0, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 0x05, 0x00, 0x00, 0x00]),
};
const TYPE_OF: Record<string, number> = { prelogin: TYPE.PRELOGIN, login7: TYPE.LOGIN7, sqlBatch: TYPE.SQL_BATCH, rpc: TYPE.RPC, tm: TYPE.TM };

/** A valid payload, truncated and with bytes overwritten (0xFF runs make lying length fields). */
const mutatedPayload = fc
  .record({
    base: fc.constantFrom(...Object.keys(VALID)),
    cut: fc.option(fc.nat(400), { nil: undefined }),
    writes: fc.array(fc.record({ at: fc.nat(), value: fc.oneof(fc.constant(0xff), fc.constant(0x00), fc.nat(255)), width: fc.constantFrom(1, 2, 4) }), { maxLength: 6 }),
  })
  .map(({ base, cut, writes }) => {
    let p = Buffer.from(VALID[base]!());
    if (cut !== undefined && cut < p.length) p = p.subarray(0, cut);
    for (const w of writes) {
      if (p.length === 0) break;
      for (let i = 0; i < w.width; i++) p[(w.at + i) % p.length] = w.value;
    }
    return { type: TYPE_OF[base]!, payload: p };
  });

const randomPayload = fc.record({
  type: fc.oneof(fc.constantFrom(TYPE.PRELOGIN, TYPE.LOGIN7, TYPE.SQL_BATCH, TYPE.RPC, TYPE.TM, TYPE.ATTENTION, TYPE.REPLY), fc.nat(255)),
  payload: fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)),
});

/** Splits a message into packets; optionally drops EOM, lies about one length, or cuts the bytes short. */
const framed = fc
  .record({
    message: fc.oneof(mutatedPayload, randomPayload),
    size: fc.constantFrom(16, 512, 4096),
    status: fc.constantFrom(0x01, 0x01, 0x01, 0x03, 0x00),
    lie: fc.option(fc.record({ packet: fc.nat(), length: fc.oneof(fc.nat(16), fc.constant(0xffff), fc.integer({ min: 32768, max: 65535 }), fc.nat(5000)) }), { nil: undefined, freq: 4 }),
    truncate: fc.option(fc.nat(5000), { nil: undefined, freq: 5 }),
  })
  .map(({ message, size, status, lie, truncate }) => {
    const room = size - 8;
    const parts: Buffer[] = [];
    for (let at = 0; at < message.payload.length || parts.length === 0; at += room) {
      const last = at + room >= message.payload.length;
      parts.push(packet(message.type, message.payload.subarray(at, at + room), last ? status : 0x00));
    }
    let honest = true;
    if (lie) {
      const p = parts[lie.packet % parts.length]!;
      if (p.readUInt16BE(2) !== lie.length) honest = false;
      p.writeUInt16BE(lie.length, 2);
    }
    let bytes = Buffer.concat(parts);
    if (truncate !== undefined && truncate < bytes.length) {
      bytes = bytes.subarray(0, truncate);
      honest = false;
    }
    // ATTENTION ends a message whatever its status; anything else needs EOM.
    const complete = honest && ((status & 0x01) !== 0 || message.type === TYPE.ATTENTION);
    return { bytes, complete };
  });

const fuzzCase: fc.Arbitrary<FuzzCase> = fc.oneof(
  fc.record({ stage: fc.constant<Stage>('prelogin'), frame: framed }),
  fc.record({ stage: fc.constant<Stage>('prelogin'), frame: fc.uint8Array({ minLength: 1, maxLength: 300 }).map((a) => ({ bytes: Buffer.from(a), complete: false })) }),
  fc.record({ stage: fc.constant<Stage>('login'), frame: framed }),
  fc.record({ stage: fc.constant<Stage>('ready'), frame: framed }),
  fc.record({ stage: fc.constant<Stage>('ready'), frame: fc.array(framed, { minLength: 2, maxLength: 5 }).map((fs) => ({ bytes: Buffer.concat(fs.map((f) => f.bytes)), complete: fs.every((f) => f.complete) })) }),
).map(({ stage, frame }) => ({ stage, ...frame }));

async function reach(stage: Stage): Promise<RawClient> {
  const c = await RawClient.connect(lab.sqlserver.port);
  if (stage === 'prelogin') return c;
  if (stage === 'login') {
    c.send(packet(TYPE.PRELOGIN, preloginPayload()));
    expect(await c.message()).toBeDefined();
    return c;
  }
  const response = await c.login('sa', 'pw');
  expect(response?.[0]).toBe(0xe3);
  return c;
}

it(`answers or closes on ${RUNS} random and malformed inputs, and keeps serving (seed ${SEED})`, async () => {
  expect((await pool.request().query('SELECT 1 AS one')).recordset).toEqual([{ one: 1 }]);
  let answered = 0;
  let closed = 0;
  await fc.assert(
    fc.asyncProperty(fuzzCase, async (fz) => {
      const c = await reach(fz.stage);
      try {
        c.send(fz.bytes);
        if (fz.complete) {
          // A complete message gets an answer or a closed socket, within 2 s.
          const reply = await c.message(2000);
          if (reply) answered++;
          else {
            expect(c.closed, 'a complete message was neither answered nor refused').toBe(true);
            closed++;
          }
        }
        // Others are served at once, whatever this connection sent.
        const t0 = performance.now();
        expect((await pool.request().query('SELECT 1 AS one')).recordset).toEqual([{ one: 1 }]);
        expect(performance.now() - t0).toBeLessThan(1000);
      } finally {
        c.destroy();
      }
    }),
    { numRuns: RUNS, seed: SEED, endOnFailure: true },
  );
  // Both outcomes were exercised, and every fuzzed connection gave its slot back.
  expect(answered).toBeGreaterThan(0);
  expect(closed).toBeGreaterThan(0);
  await expect.poll(() => lab.control.state().instances[0]!.connections, { timeout: 3000 }).toBe(1);
  const fresh = await new sql.ConnectionPool(labConfig(lab, lab.sqlserver)).connect();
  try {
    expect((await fresh.request().query("SELECT name FROM sys.databases WHERE name = N'master'")).recordset).toEqual([{ name: 'master' }]);
  } finally {
    await fresh.close();
  }
}, 600_000);
