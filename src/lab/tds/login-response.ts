import { BufferWriter } from './buffer-writer.js';
import {
  CurCmd,
  DEFAULT_COLLATION,
  DoneStatus,
  EnvChange,
  Token,
  writeDone,
  writeEnvChangeBytes,
  writeEnvChangeText,
  writeLoginAck,
  writeMessage,
} from './tokens.js';

/**
 * The successful login response, in the order SQL Server sends it (tds.md): database, 5701,
 * collation, language, 5703, LOGINACK, packet size, DONE. No FEATUREEXTACK: an ack for a feature
 * the client did not request is an error in tedious.
 */
export function encodeLoginSuccess(opts: { database: string; serverName: string; tdsVersion: number; packetSize: number }): Buffer {
  const w = new BufferWriter(512);
  writeEnvChangeText(w, EnvChange.DATABASE, opts.database, 'master');
  writeMessage(w, Token.INFO, {
    number: 5701,
    state: 2,
    class: 0,
    message: `Changed database context to '${opts.database}'.`,
    serverName: opts.serverName,
  });
  writeEnvChangeBytes(w, EnvChange.COLLATION, DEFAULT_COLLATION, new Uint8Array(0));
  writeEnvChangeText(w, EnvChange.LANGUAGE, 'us_english', '');
  writeMessage(w, Token.INFO, {
    number: 5703,
    state: 1,
    class: 0,
    message: 'Changed language setting to us_english.',
    serverName: opts.serverName,
  });
  writeLoginAck(w, opts.tdsVersion);
  writeEnvChangeText(w, EnvChange.PACKET_SIZE, String(opts.packetSize), String(opts.packetSize));
  writeDone(w, Token.DONE, DoneStatus.FINAL, CurCmd.NONE);
  return Buffer.from(w.view());
}

export interface LoginErrorMessage {
  number: number;
  state: number;
  class: number;
  message: string;
}

/** ERROR tokens and a DONE_ERROR, no LOGINACK: tedious turns this into ConnectionError ELOGIN. */
export function encodeLoginFailure(errors: readonly LoginErrorMessage[], serverName: string): Buffer {
  const w = new BufferWriter(256);
  for (const e of errors) writeMessage(w, Token.ERROR, { ...e, serverName });
  writeDone(w, Token.DONE, DoneStatus.ERROR, CurCmd.NONE);
  return Buffer.from(w.view());
}
