import net from 'node:net';
import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from './harness.js';

let lab: Lab;
beforeAll(async () => {
  lab = await startLab();
});
afterAll(async () => {
  await lab.stop();
});

/** Sends raw bytes and resolves with what came back once the server closes the socket or 1 s passes. */
function rawExchange(bytes: Buffer): Promise<{ data: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(lab.server.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closed = false;
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      resolve({ data: Buffer.concat(chunks), closed });
    });
    socket.write(bytes);
    setTimeout(() => {
      socket.destroy();
      resolve({ data: Buffer.concat(chunks), closed });
    }, 1000);
  });
}

const packet = (type: number, payload: Buffer, status = 0x01): Buffer => {
  const header = Buffer.alloc(8);
  header[0] = type;
  header[1] = status;
  header.writeUInt16BE(payload.length + 8, 2);
  header[6] = 1;
  return Buffer.concat([header, payload]);
};

describe('malformed input', () => {
  it.each([
    ['a header shorter than 8 bytes', Buffer.from([0x12, 0x01, 0x00, 0x04, 0, 0, 0, 0])],
    ['a LOGIN7 before PRELOGIN that is truncated', packet(0x10, Buffer.alloc(20))],
    ['a PRELOGIN with an unterminated option table', packet(0x12, Buffer.from([0x00, 0x00, 0x40, 0x00, 0x06]))],
    ['a SQL batch before login', packet(0x01, Buffer.from('SELECT 1', 'utf16le'))],
  ])('closes the socket on %s and keeps serving others', async (_label, bytes) => {
    const { closed } = await rawExchange(bytes);
    expect(closed).toBe(true);
    const pool = await lab.connect();
    expect((await pool.request().query('SELECT 1')).recordset).toEqual([{ '': 1 }]);
  });

  it('answers a PRELOGIN with packet type 0x04, MARS and ENCRYPTION NOT_SUP', async () => {
    const prelogin = Buffer.from([0x00, 0x00, 0x0b, 0x00, 0x06, 0x01, 0x00, 0x11, 0x00, 0x01, 0xff, 16, 0, 0, 0, 0, 0, 0x00]);
    const { data } = await rawExchange(packet(0x12, prelogin));
    expect(data[0]).toBe(0x04);
    expect(data[1]).toBe(0x01);
    const body = data.subarray(8);
    const options = new Map<number, Buffer>();
    for (let at = 0; body[at] !== 0xff; at += 5) {
      const offset = body.readUInt16BE(at + 1);
      options.set(body[at]!, body.subarray(offset, offset + body.readUInt16BE(at + 3)));
    }
    expect([...options.keys()]).toEqual([0, 1, 2, 3, 4]);
    expect(options.get(0)![0]).toBe(16); // SQL Server 2022
    expect(options.get(1)).toEqual(Buffer.from([0x02]));
  });

  it('answers an unsupported RPC parameter type with an ERROR and keeps the connection', async () => {
    const pool = await lab.connect();
    const table = new sql.Table('#t');
    table.columns.add('a', sql.Int);
    table.rows.add(1);
    const err = await pool.request().input('tvp', sql.TVP, table).query('ECHO').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ number: 8009, class: 16 });
    expect((err as Error).message).toMatch(/parameter type 0xf3 is not supported/);
    expect((await pool.request().query('SELECT 1')).recordset).toEqual([{ '': 1 }]);
  });
});
