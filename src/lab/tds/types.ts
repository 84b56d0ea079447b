import type { BatchOutput, SessionContext, SqlEngine, SqlParam } from '../engine-types.js';

/** One request the TDS server handed to the engine, reported after its response was sent. */
export interface StatementEvent {
  session: SessionContext;
  request: { text: string; params: SqlParam[]; kind: 'batch' | 'rpc' };
  outputs: BatchOutput[];
  durationMs: number;
  /** The client sent ATTENTION (cancel or timeout) or the connection closed while it ran. */
  cancelled: boolean;
}

export interface TdsServerOptions {
  engine: SqlEngine;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (an ephemeral port; read it back from {@link TdsServer.port}). */
  port?: number;
  /** PEM key and certificate: serve TDS 8.0 strict (TLS first, ALPN `tds/8.0`). */
  tls?: { key: string; cert: string };
  onStatement?: (ev: StatementEvent) => void;
  /** Bounds on what clients can make the server hold; see {@link TdsLimits} for the defaults. */
  limits?: TdsLimits;
}

/**
 * What one client, or many, can make the lab hold: a lab that anyone on the machine can connect
 * to must not be frozen or exhausted by one of them.
 */
export interface TdsLimits {
  /**
   * Open client connections, logged in or not (default 500). Up to 32 more are let in only to be
   * told so at login — SQL Server's Msg 17809, "the maximum number of user connections" — and any
   * beyond those are closed at accept.
   */
  maxConnections?: number;
  /** A connection not logged in by then is closed (default 15 s; 2 s for one over the cap). */
  handshakeTimeoutMs?: number;
  /** Largest request after login (default 16 MiB): a larger one is read, dropped and answered with Msg 8009. */
  maxRequestBytes?: number;
}

export interface TdsServer {
  readonly port: number;
  readonly host: string;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
  /** Destroys every open connection (a network blip); the server keeps listening. */
  dropAllConnections(): void;
  /** While on, new connections are closed right after accept. */
  setRefuseConnections(on: boolean): void;
  /** Delays every statement by `ms` before the engine runs it (cancellable by ATTENTION). */
  setStatementDelay(ms: number): void;
  /** Open client connections, logged in or not. */
  connectionCount(): number;
}

/** Server-wide settings every connection reads at the moment it needs them. */
export interface ServerState {
  readonly engine: SqlEngine;
  readonly onStatement: ((ev: StatementEvent) => void) | undefined;
  statementDelayMs: number;
  readonly limits: Required<TdsLimits>;
  nextSpid(): number;
}
