import net from 'node:net';
import tls from 'node:tls';
import { AgmedicError } from '../../errors.js';
import { listenOn } from '../listen-on.js';
import { TdsConnection } from './tds-connection.js';
import { DEFAULT_MAX_REQUEST_BYTES } from './packet.js';
import type { ServerState, TdsLimits, TdsServer, TdsServerOptions } from './types.js';

/** SQL Server hands out user session ids from 51; lower ones are system sessions. */
const FIRST_SPID = 51;
/** Connections past the cap that are still answered (with Msg 17809) rather than closed unanswered. */
const REFUSAL_SLACK = 32;

export const DEFAULT_TDS_LIMITS: Required<TdsLimits> = {
  maxConnections: 500,
  handshakeTimeoutMs: 15_000,
  maxRequestBytes: DEFAULT_MAX_REQUEST_BYTES,
};

function resolveLimits(given: TdsLimits | undefined): Required<TdsLimits> {
  const limits = { ...DEFAULT_TDS_LIMITS, ...given };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 1) throw new AgmedicError('LAB_CONTROL', `TDS limit ${name} must be a positive integer, not ${value}`);
  }
  return limits;
}

/**
 * Starts a TDS server in front of a {@link SqlEngine}: real `mssql`/tedious and FreeTDS clients log
 * in, run batches and RPCs, cancel and use transactions against it as against SQL Server 2022.
 *
 * @example
 * const server = await startTdsServer({ engine, port: 0 });
 * const pool = await new sql.ConnectionPool({
 *   server: server.host, port: server.port, user: 'sa', password: 'pw',
 *   options: { trustServerCertificate: true },
 * }).connect();
 * await pool.request().query('SELECT 1');
 * await server.close();
 */
export async function startTdsServer(opts: TdsServerOptions): Promise<TdsServer> {
  const host = opts.host ?? '127.0.0.1';
  let spid = FIRST_SPID;
  const limits = resolveLimits(opts.limits);
  const state: ServerState = {
    engine: opts.engine,
    onStatement: opts.onStatement,
    statementDelayMs: 0,
    limits,
    nextSpid: () => {
      const next = spid;
      spid = spid >= 32767 ? FIRST_SPID : spid + 1;
      return next;
    },
  };
  const connections = new Set<TdsConnection>();
  /** Connections past the cap, kept only to answer their login with Msg 17809. */
  const overflow = new Set<TdsConnection>();
  const rawSockets = new Set<net.Socket>();
  let refusing = false;

  const serve = (socket: net.Socket): void => {
    if (connections.size < limits.maxConnections) {
      connections.add(new TdsConnection(socket, state, (c) => connections.delete(c)));
    } else {
      overflow.add(new TdsConnection(socket, state, (c) => overflow.delete(c), { overCapacity: true }));
    }
  };
  const server: net.Server = opts.tls
    ? tls.createServer({ key: opts.tls.key, cert: opts.tls.cert, ALPNProtocols: ['tds/8.0'], handshakeTimeout: limits.handshakeTimeoutMs }, serve)
    : net.createServer({ noDelay: true }, serve);
  // The hard stop: Node closes sockets past this at accept, before any of our code or TLS runs.
  server.maxConnections = limits.maxConnections + REFUSAL_SLACK;
  // 'connection' fires with the raw TCP socket before any TLS or TDS byte, for both server kinds.
  server.on('connection', (socket: net.Socket) => {
    if (refusing) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    rawSockets.add(socket);
    socket.on('close', () => rawSockets.delete(socket));
    // A handshake aborted by the client must not become an unhandled 'error'.
    socket.on('error', () => socket.destroy());
  });
  server.on('tlsClientError', () => undefined);

const port = await listenOn(server, host, opts.port, 'TDS');

  // A reset rather than a FIN: clients see ECONNRESET at once, as after a real network drop.
  const dropAll = (): void => {
    for (const socket of rawSockets) socket.resetAndDestroy();
    for (const conn of connections) conn.destroy();
    for (const conn of overflow) conn.destroy();
  };

  return {
    port,
    host,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        dropAll();
      }),
    dropAllConnections: dropAll,
    setRefuseConnections: (on) => {
      refusing = on;
    },
    setStatementDelay: (ms) => {
      state.statementDelayMs = Math.max(0, ms);
    },
    connectionCount: () => connections.size,
  };
}
