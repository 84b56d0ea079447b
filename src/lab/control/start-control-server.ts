import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOn } from '../listen-on.js';
import { AgmedicError } from '../../errors.js';
import type { LabFault, LabPairControl, LabStatement } from './types.js';
import { LAB_FAULT_KINDS } from './types.js';

const MAX_BODY_BYTES = 64 * 1024;

export interface ControlServer {
  url: string;
  token: string;
  close(): Promise<void>;
}

export interface ControlServerOptions {
  controls: readonly LabPairControl[];
  statements: () => LabStatement[];
  /** Always loopback: the control port can break the lab and is guarded by a token only. */
  host?: '127.0.0.1' | '::1' | 'localhost';
  port?: number;
  token?: string;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * The lab's control port, for `agmedic lab fault` in another process. JSON over HTTP on loopback:
 * - `GET /state[?pair=i]` → `{ pairs: LabPairState[] }`
 * - `POST /fault` `{ pair?: number, fault: LabFault }` → `{ ok: true, state }`
 * - `GET /statements[?since=n]` → `{ next, statements: LabStatement[] }`
 * Every request needs `Authorization: Bearer <token>`; anything else is answered 401.
 *
 * @example
 * const server = await startControlServer({ controls: lab.pairs.map((p) => p.control), statements: () => lab.statementLog() });
 * console.log(server.url, server.token);
 */
export async function startControlServer(opts: ControlServerOptions): Promise<ControlServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  if (token.length < 8) throw new AgmedicError('LAB_CONTROL', 'the control token must be at least 8 characters');
  const expected = digest(`Bearer ${token}`);
  const host = opts.host ?? '127.0.0.1';

  const server = http.createServer((req, res) => {
    void serve(req, res).catch((err: unknown) => reply(res, 500, { error: { code: 'LAB_CONTROL', message: String(err) } }));
  });
  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const given = req.headers.authorization;
    if (typeof given !== 'string' || !timingSafeEqual(digest(given), expected)) {
      req.resume();
      return reply(res, 401, { error: { code: 'UNAUTHORIZED', message: 'missing or wrong control token' } });
    }
    const url = new URL(req.url ?? '/', 'http://lab');
    try {
      if (req.method === 'GET' && url.pathname === '/state') {
        const pair = url.searchParams.get('pair');
        const list = pair === null ? opts.controls : [controlOf(opts.controls, Number(pair))];
        return reply(res, 200, { pairs: list.map((c) => c.state()) });
      }
      if (req.method === 'GET' && url.pathname === '/statements') {
        const since = Math.max(0, Number(url.searchParams.get('since') ?? 0) || 0);
        const all = opts.statements();
        return reply(res, 200, { next: all.length, statements: all.slice(since) });
      }
      if (req.method === 'POST' && url.pathname === '/fault') {
        const body = parseFaultRequest(await readBody(req));
        const control = controlOf(opts.controls, body.pair);
        control.apply(body.fault);
        return reply(res, 200, { ok: true, state: control.state() });
      }
      return reply(res, 404, { error: { code: 'NOT_FOUND', message: `no ${req.method} ${url.pathname}` } });
    } catch (err) {
      if (err instanceof AgmedicError) return reply(res, 400, { error: { code: err.code, message: err.message } });
      throw err;
    }
  };

const port = await listenOn(server, host, opts.port, 'control');
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function controlOf(controls: readonly LabPairControl[], pair: number): LabPairControl {
  const control = Number.isInteger(pair) ? controls[pair] : undefined;
  if (!control) throw new AgmedicError('LAB_CONTROL', `no pair ${pair}; the lab has pairs 0..${controls.length - 1}`);
  return control;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new AgmedicError('LAB_CONTROL', 'control request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Checks the shape of a fault request; the control applies the value rules (ranges, patterns). */
export function parseFaultRequest(text: string): { pair: number; fault: LabFault } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new AgmedicError('LAB_CONTROL', 'the fault request is not JSON');
  }
  const o = (doc ?? {}) as { pair?: unknown; fault?: Record<string, unknown> };
  const f = o.fault;
  const pair = o.pair === undefined ? 0 : o.pair;
  if (typeof pair !== 'number') throw new AgmedicError('LAB_CONTROL', 'pair must be a number');
  if (!f || typeof f !== 'object' || !LAB_FAULT_KINDS.includes(f.kind as (typeof LAB_FAULT_KINDS)[number])) {
    throw new AgmedicError('LAB_CONTROL', `fault.kind must be one of ${LAB_FAULT_KINDS.join(', ')}`);
  }
  const need = (key: string, type: 'string' | 'number' | 'boolean'): void => {
    if (typeof f[key] !== type) throw new AgmedicError('LAB_CONTROL', `fault ${String(f.kind)} needs ${key} (${type})`);
  };
  if (f.kind !== 'partition' && f.kind !== 'trust-certificate' && f.kind !== 'recreate-link') need('instance', 'string');
  if (f.kind === 'refuse-connections' || f.kind === 'partition' || f.kind === 'trust-certificate') need('on', 'boolean');
  if (f.kind === 'workload') need('bytesPerSec', 'number');
  if (f.kind === 'trust-certificate') {
    need('name', 'string');
    if (f.certificate !== undefined) need('certificate', 'string');
  }
  if (f.kind === 'recreate-link') need('dropMiDatabase', 'boolean');
  if (f.kind === 'delay-statements') need('ms', 'number');
  if (f.kind === 'fail-next') {
    need('pattern', 'string');
    need('errorNumber', 'number');
    if (f.message !== undefined) need('message', 'string');
  }
  return { pair, fault: f as unknown as LabFault };
}
