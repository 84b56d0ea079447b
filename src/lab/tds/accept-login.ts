import type { SessionContext } from '../engine-types.js';
import { encodeLoginFailure, encodeLoginSuccess } from './login-response.js';
import type { Login7 } from './login7.js';
import { DEFAULT_PACKET_SIZE, MAX_PACKET_SIZE, MIN_PACKET_SIZE } from './packet.js';
import { TDS_7_4 } from './tokens.js';
import type { ServerState } from './types.js';

/** TDS versions a LOGINACK may echo back; anything else is answered as 7.4. */
const KNOWN_TDS_VERSIONS = new Set([0x72090002, 0x730a0003, 0x730b0003, TDS_7_4]);

export type LoginOutcome =
  | { ok: true; response: Buffer; session: SessionContext; packetSize: number }
  | { ok: false; response: Buffer };

/** Checks a LOGIN7 against the engine and builds the response (success or 18456/4060). */
export function acceptLogin(login: Login7, spid: number, server: ServerState): LoginOutcome {
  const { engine } = server;
  const failed = {
    number: 18456,
    state: 1,
    class: 14,
    message: `Login failed for user '${login.userName}'.`,
  };
  if (!engine.authenticate(login.userName, login.password)) {
    return { ok: false, response: encodeLoginFailure([failed], engine.serverName) };
  }
  const database = login.database || engine.defaultDatabase(login.userName);
  if (!engine.hasDatabase(database)) {
    // SQL Server sends 4060 and then 18456; tedious reports the last one as the ConnectionError.
    const cannotOpen = {
      number: 4060,
      state: 1,
      class: 11,
      message: `Cannot open database "${database}" requested by the login. The login failed.`,
    };
    return { ok: false, response: encodeLoginFailure([cannotOpen, failed], engine.serverName) };
  }
  const requested = login.packetSize === 0 ? DEFAULT_PACKET_SIZE : login.packetSize;
  const packetSize = Math.min(MAX_PACKET_SIZE, Math.max(MIN_PACKET_SIZE, requested));
  const state = new Map<string, unknown>();
  // The engine may route read-only intent (AG readable secondaries); SessionContext has no field for it.
  state.set('applicationIntent', login.readOnlyIntent ? 'ReadOnly' : 'ReadWrite');
  const session: SessionContext = {
    spid,
    login: login.userName,
    hostName: login.hostName,
    appName: login.appName,
    connectedAt: new Date(),
    database,
    state,
  };
  const response = encodeLoginSuccess({
    database,
    serverName: engine.serverName,
    tdsVersion: KNOWN_TDS_VERSIONS.has(login.tdsVersion) ? login.tdsVersion : TDS_7_4,
    packetSize,
  });
  return { ok: true, response, session, packetSize };
}
