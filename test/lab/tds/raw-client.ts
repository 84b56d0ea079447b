/**
 * A byte-level TDS client for hostile-input tests: builds well-formed PRELOGIN, LOGIN7, SQL_BATCH
 * and RPC payloads (so a test can log in and then misbehave) and reads what the server answers.
 */
import net from 'node:net';

export const TYPE = { SQL_BATCH: 0x01, RPC: 0x03, REPLY: 0x04, ATTENTION: 0x06, TM: 0x0e, LOGIN7: 0x10, PRELOGIN: 0x12 } as const;

/** One packet: 8-byte header (length big-endian) + payload. `length` overrides the header's claim. */
export function packet(type: number, payload: Buffer, status = 0x01, length = payload.length + 8): Buffer {
  const header = Buffer.alloc(8);
  header[0] = type;
  header[1] = status;
  header.writeUInt16BE(length & 0xffff, 2);
  header[6] = 1;
  return Buffer.concat([header, payload]);
}

/** A message split into packets of at most `size` bytes, EOM on the last. */
export function packets(type: number, payload: Buffer, size = 4096): Buffer {
  const room = size - 8;
  const out: Buffer[] = [];
  for (let at = 0; at < payload.length || out.length === 0; at += room) {
    const part = payload.subarray(at, at + room);
    out.push(packet(type, part, at + room >= payload.length ? 0x01 : 0x00));
  }
  return Buffer.concat(out);
}

/** VERSION, ENCRYPTION=NOT_SUP, terminator — what a plaintext client sends. */
export function preloginPayload(): Buffer {
  return Buffer.from([0x00, 0x00, 0x0b, 0x00, 0x06, 0x01, 0x00, 0x11, 0x00, 0x01, 0xff, 16, 0, 0, 0, 0, 0, 0x02]);
}

function obfuscate(password: string): Buffer {
  const bytes = Buffer.from(password, 'utf16le');
  for (let i = 0; i < bytes.length; i++) {
    const p = bytes[i]!;
    bytes[i] = (((p << 4) | (p >> 4)) & 0xff) ^ 0xa5;
  }
  return bytes;
}

/** A LOGIN7 (TDS 7.4) with the nine (offset, length) pairs the lab reads. */
export function login7Payload(o: { user: string; password: string; database?: string; packetSize?: number }): Buffer {
  const fields = [
    Buffer.from('fuzz-host', 'utf16le'),
    Buffer.from(o.user, 'utf16le'),
    obfuscate(o.password),
    Buffer.from('raw-client', 'utf16le'),
    Buffer.from('127.0.0.1', 'utf16le'),
    Buffer.alloc(0),
    Buffer.from('raw', 'utf16le'),
    Buffer.alloc(0),
    Buffer.from(o.database ?? 'master', 'utf16le'),
  ];
  const fixed = Buffer.alloc(94);
  fixed.writeUInt32LE(0x74000004, 4);
  fixed.writeUInt32LE(o.packetSize ?? 4096, 8);
  let offset = 94;
  fields.forEach((f, i) => {
    fixed.writeUInt16LE(offset, 36 + i * 4);
    fixed.writeUInt16LE(f.length / 2, 38 + i * 4);
    offset += f.length;
  });
  const out = Buffer.concat([fixed, ...fields]);
  out.writeUInt32LE(out.length, 0);
  return out;
}

/** ALL_HEADERS with the transaction descriptor header tedious sends. */
function allHeaders(): Buffer {
  const h = Buffer.alloc(22);
  h.writeUInt32LE(22, 0);
  h.writeUInt32LE(18, 4);
  h.writeUInt16LE(2, 8);
  h.writeUInt32LE(1, 18);
  return h;
}

export function sqlBatchPayload(text: string): Buffer {
  return Buffer.concat([allHeaders(), Buffer.from(text, 'utf16le')]);
}

/** RPC sp_executesql (proc id 10) with one NVARCHAR @statement. */
export function rpcPayload(statement: string): Buffer {
  const text = Buffer.from(statement, 'utf16le');
  const name = Buffer.from('@statement', 'utf16le');
  const head = Buffer.from([0xff, 0xff, 0x0a, 0x00, 0x00, 0x00, name.length / 2]);
  const typeInfo = Buffer.alloc(8);
  typeInfo[0] = 0xe7; // NVARCHAR
  typeInfo.writeUInt16LE(8000, 1);
  Buffer.from([0x09, 0x04, 0xd0, 0x00, 0x34]).copy(typeInfo, 3);
  const len = Buffer.alloc(2);
  len.writeUInt16LE(text.length);
  return Buffer.concat([allHeaders(), head, name, Buffer.from([0x00]), typeInfo, len, text]);
}

/** A socket that collects everything the server sends and notes when it closes. */
export class RawClient {
  readonly socket: net.Socket;
  private data = Buffer.alloc(0);
  closed = false;
  private readonly waiters = new Set<() => void>();

  private constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('data', (d: Buffer) => {
      this.data = Buffer.concat([this.data, d]);
      this.wake();
    });
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static async connect(port: number): Promise<RawClient> {
    const c = new RawClient(port);
    await new Promise<void>((resolve, reject) => {
      c.socket.once('connect', resolve);
      c.socket.once('error', reject);
    });
    return c;
  }

  private wake(): void {
    for (const w of this.waiters) w();
  }

  send(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** Reads one whole server message (packets until EOM); undefined if the socket closed or `ms` passed. */
  async message(ms = 2000): Promise<Buffer | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const parsed = this.take();
      if (parsed) return parsed;
      if (this.closed || Date.now() > deadline) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, Math.max(1, deadline - Date.now()));
        function done(): void {
          clearTimeout(t);
          resolve();
        }
        this.waiters.add(done);
      }).finally(() => this.waiters.clear());
    }
  }

  private take(): Buffer | undefined {
    const parts: Buffer[] = [];
    let at = 0;
    while (at + 8 <= this.data.length) {
      const length = this.data.readUInt16BE(at + 2);
      if (at + length > this.data.length) return undefined;
      parts.push(this.data.subarray(at + 8, at + length));
      const eom = (this.data[at + 1]! & 0x01) !== 0;
      at += length;
      if (eom) {
        this.data = this.data.subarray(at);
        return Buffer.concat(parts);
      }
    }
    return undefined;
  }

  /** Resolves true once the server closed the socket, false if `ms` passed first. */
  async whenClosed(ms = 2000): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return this.closed;
  }

  /** PRELOGIN + LOGIN7; resolves with the login response. */
  async login(user: string, password: string): Promise<Buffer | undefined> {
    this.send(packet(TYPE.PRELOGIN, preloginPayload()));
    if (!(await this.message())) return undefined;
    this.send(packets(TYPE.LOGIN7, login7Payload({ user, password })));
    return this.message();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Error numbers of the ERROR tokens (0xAA) a server message starts with (INFO tokens skipped). */
export function errorNumbers(message: Buffer): number[] {
  const out: number[] = [];
  let i = 0;
  while (i + 7 <= message.length && (message[i] === 0xaa || message[i] === 0xab)) {
    if (message[i] === 0xaa) out.push(message.readUInt32LE(i + 3));
    i += 3 + message.readUInt16LE(i + 1);
  }
  return out;
}

/** A successful login response starts with ENVCHANGE (0xE3); a refused one with ERROR. */
export const loggedIn = (response: Buffer | undefined): boolean => response !== undefined && response[0] === 0xe3;
