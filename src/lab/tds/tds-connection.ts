import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAgmedicError } from '../../errors.js';
import type { BatchOutput, SessionContext, SqlParam } from '../engine-types.js';
import { acceptLogin } from './accept-login.js';
import { BufferWriter } from './buffer-writer.js';
import { decodeRpc, decodeSqlBatch, decodeTransactionRequest, TmRequest } from './decode-request.js';
import { encodeDoneOnly, encodeOutputs } from './encode-outputs.js';
import { encodeLoginFailure } from './login-response.js';
import { parseLogin7 } from './login7.js';
import { type ClientMessage, DEFAULT_PACKET_SIZE, frameMessage, MessageAssembler, PacketType } from './packet.js';
import { buildPreloginReply, ENCRYPT_NOT_SUP, parsePrelogin } from './prelogin.js';
import { resolveExecuteSql } from './resolve-execute-sql.js';
import { CurCmd, DoneStatus, EnvChange, Token, writeDone, writeEnvChangeBytes, writeMessage } from './tokens.js';
import type { ServerState } from './types.js';

interface Running {
  controller: AbortController;
  cancelled: boolean;
  /** A response (or the attention acknowledgement) already went out; late results are dropped. */
  responded: boolean;
}

interface EngineCall {
  text: string;
  params: SqlParam[];
  kind: 'batch' | 'rpc';
  /** Builds the response from the engine's outputs. */
  respond: (outputs: BatchOutput[], databaseBefore: string) => Buffer;
}

const EMPTY = new Uint8Array(0);
let transactionCounter = 0n;
/** Requests a client may queue before the lab stops reading its socket (TCP then slows it down). */
const MAX_QUEUED_MESSAGES = 64;
/** A connection over the cap gets this long to hear why it is refused. */
const OVER_CAPACITY_TIMEOUT_MS = 2_000;
/** Let other connections' I/O run between two requests of one connection. */
const yieldToOthers = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/**
 * How long one connection's queued requests may run back to back before it yields. A yield after
 * every request cost a full event-loop turn per pipelined request; after a slice of this length
 * other connections still get in within a few milliseconds.
 */
const FAIR_SLICE_MS = 2;

/**
 * One client connection: PRELOGIN → LOGIN7 → requests, strictly one at a time (no MARS), with
 * ATTENTION handled out of band as soon as it arrives.
 */
export class TdsConnection {
  private readonly assembler = new MessageAssembler();
  private readonly queue: ClientMessage[] = [];
  private phase: 'prelogin' | 'login' | 'ready' | 'closed' = 'prelogin';
  private packetSize = DEFAULT_PACKET_SIZE;
  private packetId = 0;
  private pumping = false;
  private running: Running | undefined;
  /** Settles when the engine call in progress settles, even after its response went out. */
  private engineBusy: Promise<unknown> = Promise.resolve();
  private session: SessionContext | undefined;
  private transaction: Buffer | undefined;
  /** Closes a connection that never finishes logging in: it would hold a slot for nothing. */
  private handshakeTimer: NodeJS.Timeout | undefined;
  private readonly overCapacity: boolean;
  /** The socket closed and the server was told; set once. */
  private released = false;
  readonly spid: number;

  constructor(
    private readonly socket: Socket,
    private readonly server: ServerState,
    private readonly onClosed: (conn: TdsConnection) => void,
    opts: { overCapacity?: boolean } = {},
  ) {
    this.spid = server.nextSpid();
    this.overCapacity = opts.overCapacity ?? false;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.onClose());
    const timeout = this.overCapacity ? Math.min(OVER_CAPACITY_TIMEOUT_MS, server.limits.handshakeTimeoutMs) : server.limits.handshakeTimeoutMs;
    this.handshakeTimer = setTimeout(() => socket.destroy(), timeout);
    this.handshakeTimer.unref();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private readonly nextPacketId = (): number => (this.packetId = (this.packetId + 1) & 0xff);

  private send(payload: Buffer): void {
    if (this.phase === 'closed' || this.socket.destroyed) return;
    this.socket.write(frameMessage(payload, this.packetSize, this.spid, this.nextPacketId));
  }

  private onData(chunk: Buffer): void {
    let messages: ClientMessage[];
    try {
      messages = this.assembler.push(chunk);
    } catch {
      // Framing is lost; nothing sensible can be answered on this socket.
      this.socket.destroy();
      return;
    }
    for (const message of messages) {
      if (message.type === PacketType.ATTENTION && this.phase === 'ready') this.onAttention();
      else this.queue.push(message);
    }
    // A client pipelining requests faster than they run is held back by TCP, not by our memory.
    if (this.queue.length >= MAX_QUEUED_MESSAGES) this.socket.pause();
    void this.pump();
  }

  /** Resolves once the socket has flushed what it holds (or closed): responses never pile up unread. */
  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  private onClose(): void {
    clearTimeout(this.handshakeTimer);
    // Not keyed on phase: a refused login sets 'closed' before the socket closes, and its slot
    // must still be given back (or failed logins would fill the connection cap).
    if (this.released) return;
    this.released = true;
    this.phase = 'closed';
    this.running?.controller.abort();
    if (this.running) this.running.cancelled = true;
    const session = this.session;
    this.session = undefined;
    if (session) {
      // Wait for a still-running statement, so the engine never sees a closed session in use.
      void this.engineBusy.then(() => {
        try {
          this.server.engine.closeSession(session);
        } catch {
          // The connection is gone either way; an engine failure here has no one to report to.
        }
      });
    }
    this.onClosed(this);
  }

  /**
   * ATTENTION: end the interrupted response with EOM, then acknowledge in a separate message with
   * only DONE_ATTN — tedious reads the two as two messages (tds.md, rule 5).
   */
  private onAttention(): void {
    const running = this.running;
    if (running && !running.responded) {
      running.cancelled = true;
      running.responded = true;
      running.controller.abort();
      this.send(encodeDoneOnly(DoneStatus.FINAL));
    } else {
      // A request still waiting behind an engine call that ignores its signal is dropped unanswered
      // until now; answer it as interrupted.
      const waiting = this.queue.filter((m) => m.type !== PacketType.ATTENTION);
      this.queue.length = 0;
      for (let i = 0; i < waiting.length; i++) this.send(encodeDoneOnly(DoneStatus.FINAL));
    }
    this.send(encodeDoneOnly(DoneStatus.ATTN));
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    let sliceStart = performance.now();
    try {
      while (this.queue.length > 0 && this.phase !== 'closed') {
        if (this.socket.writableNeedDrain) await this.drained();
        if (this.released) return;
        const message = this.queue.shift()!;
        if (this.queue.length < MAX_QUEUED_MESSAGES / 2 && this.socket.isPaused()) this.socket.resume();
        try {
          await this.handle(message);
        } catch (err) {
          if (this.phase !== 'ready' || !isAgmedicError(err)) {
            this.socket.destroy();
            return;
          }
          this.send(this.protocolErrorResponse(err.message));
        }
        // One connection's pipelined requests must not starve the lab's other connections.
        if (this.queue.length > 0 && performance.now() - sliceStart >= FAIR_SLICE_MS) {
          await yieldToOthers();
          sliceStart = performance.now();
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private protocolErrorResponse(detail: string): Buffer {
    const w = new BufferWriter(256);
    writeMessage(w, Token.ERROR, {
      number: 8009,
      state: 1,
      class: 16,
      message: `The incoming tabular data stream (TDS) protocol stream is incorrect: ${detail}`,
      serverName: this.server.engine.serverName,
    });
    writeDone(w, Token.DONE, DoneStatus.ERROR, CurCmd.NONE);
    return Buffer.from(w.view());
  }

  private async handle(message: ClientMessage): Promise<void> {
    if (this.phase === 'prelogin' || this.phase === 'login') return this.handleHandshake(message);
    if (message.ignored) {
      this.send(encodeDoneOnly(DoneStatus.FINAL));
      return;
    }
    if (message.oversizeBytes !== undefined) {
      this.send(this.protocolErrorResponse(`the request is ${message.oversizeBytes} bytes, more than the lab accepts (${this.server.limits.maxRequestBytes})`));
      return;
    }
    switch (message.type) {
      case PacketType.SQL_BATCH: {
        const text = decodeSqlBatch(message.payload);
        return this.runEngine({ text, params: [], kind: 'batch', respond: this.outputResponder('batch') });
      }
      case PacketType.RPC: {
        const call = decodeRpc(message.payload);
        if (call.procName === 'sp_executesql') {
          const { text, params } = resolveExecuteSql(call.params);
          return this.runEngine({ text, params, kind: 'rpc', respond: this.outputResponder('rpc') });
        }
        // Other procedures reach the engine as `EXEC name` with their parameters (see index.ts).
        return this.runEngine({ text: `EXEC ${call.rawName}`, params: call.params, kind: 'rpc', respond: this.outputResponder('rpc') });
      }
      case PacketType.TRANSACTION_MANAGER:
        return this.handleTransaction(message.payload);
      default:
        this.socket.destroy();
    }
  }

  private handleHandshake(message: ClientMessage): void {
    if (message.type === PacketType.PRELOGIN && this.phase === 'prelogin') {
      parsePrelogin(message.payload);
      this.send(buildPreloginReply(ENCRYPT_NOT_SUP, this.spid));
      this.phase = 'login';
      return;
    }
    if (message.type !== PacketType.LOGIN7) {
      this.socket.destroy();
      return;
    }
    const login = parseLogin7(message.payload);
    if (this.overCapacity) {
      // SQL Server's answer when user connections are exhausted; tedious reports it as ELOGIN.
      const max = this.server.limits.maxConnections;
      this.send(encodeLoginFailure([{ number: 17809, state: 1, class: 20, message: `Could not connect because the maximum number of '${max}' user connections has already been reached. The system administrator can use sp_configure to increase the maximum value. The connection has been closed.` }], this.server.engine.serverName));
      this.socket.end();
      this.phase = 'closed';
      return;
    }
    const outcome = acceptLogin(login, this.spid, this.server);
    this.send(outcome.response);
    if (!outcome.ok) {
      this.socket.end();
      this.phase = 'closed';
      return;
    }
    clearTimeout(this.handshakeTimer);
    this.session = outcome.session;
    this.packetSize = outcome.packetSize;
    // Logged in: requests may be large now, and an oversized one is answered, not a reason to hang up.
    this.assembler.maxMessageBytes = this.server.limits.maxRequestBytes;
    this.assembler.discardOversize = true;
    this.phase = 'ready';
  }

  private outputResponder(mode: 'batch' | 'rpc'): EngineCall['respond'] {
    return (outputs, databaseBefore) =>
      encodeOutputs(outputs, { mode, serverName: this.server.engine.serverName, session: this.session!, databaseBefore });
  }

  /**
   * Transaction-manager requests reach the engine as the equivalent T-SQL, so the instance keeps
   * one notion of "open transaction"; the TDS layer adds the ENVCHANGE and descriptor tedious needs.
   */
  private async handleTransaction(payload: Buffer): Promise<void> {
    const tm = decodeTransactionRequest(payload);
    const suffix = tm.name ? ` [${tm.name.replace(/]/g, ']]')}]` : '';
    const verbs: Record<number, string> = {
      [TmRequest.BEGIN]: 'BEGIN TRANSACTION',
      [TmRequest.COMMIT]: 'COMMIT TRANSACTION',
      [TmRequest.ROLLBACK]: 'ROLLBACK TRANSACTION',
      [TmRequest.SAVE]: 'SAVE TRANSACTION',
    };
    const verb = verbs[tm.type];
    if (!verb) {
      this.send(this.protocolErrorResponse(`transaction manager request ${tm.type} (distributed transactions) is not supported`));
      return;
    }
    return this.runEngine({
      text: verb + suffix,
      params: [],
      kind: 'batch',
      respond: (outputs, databaseBefore) => {
        if (outputs.some((o) => o.kind === 'error')) return this.outputResponder('batch')(outputs, databaseBefore);
        const w = new BufferWriter(64);
        for (const o of outputs) {
          if (o.kind === 'info') writeMessage(w, Token.INFO, { ...o, serverName: this.server.engine.serverName });
        }
        if (tm.type === TmRequest.BEGIN) {
          transactionCounter += 1n;
          const descriptor = Buffer.alloc(8);
          descriptor.writeBigUInt64LE(transactionCounter);
          this.transaction = descriptor;
          writeEnvChangeBytes(w, EnvChange.BEGIN_TXN, descriptor, EMPTY);
        } else if (tm.type !== TmRequest.SAVE) {
          const type = tm.type === TmRequest.COMMIT ? EnvChange.COMMIT_TXN : EnvChange.ROLLBACK_TXN;
          writeEnvChangeBytes(w, type, EMPTY, this.transaction ?? EMPTY);
          this.transaction = undefined;
        }
        writeDone(w, Token.DONE, DoneStatus.FINAL, CurCmd.NONE);
        return Buffer.from(w.view());
      },
    });
  }

  private async runEngine(call: EngineCall): Promise<void> {
    const running: Running = { controller: new AbortController(), cancelled: false, responded: false };
    this.running = running;
    // Strictly one engine call at a time, even when an earlier one outlived its cancellation.
    await this.engineBusy;
    const session = this.session;
    if (!session || running.responded) {
      if (this.running === running) this.running = undefined;
      return;
    }
    const { signal } = running.controller;
    const databaseBefore = session.database;
    const started = performance.now();
    const work = (async (): Promise<BatchOutput[]> => {
      const delay = this.server.statementDelayMs;
      if (delay > 0) await sleep(delay, undefined, { signal });
      return this.server.engine.execute({ text: call.text, params: call.params, kind: call.kind, session, signal });
    })();
    this.engineBusy = work.catch(() => undefined);
    let outputs: BatchOutput[];
    try {
      outputs = await work;
    } catch (err) {
      outputs = running.cancelled
        ? []
        : [{ kind: 'error', number: 50000, state: 1, class: 16, message: `Lab engine failure: ${err instanceof Error ? err.message : String(err)}` }];
    } finally {
      if (this.running === running) this.running = undefined;
    }
    if (!running.responded) {
      running.responded = true;
      this.send(call.respond(outputs, databaseBefore));
    }
    try {
      this.server.onStatement?.({
        session,
        request: { text: call.text, params: call.params, kind: call.kind },
        outputs,
        durationMs: performance.now() - started,
        cancelled: running.cancelled,
      });
    } catch {
      // An observer's failure must not tear down a client connection whose response already went out.
    }
  }
}
