/**
 * "Could not ask" is not "asked, and the answer was no". A check, wait poll, verify or action whose
 * statement never got an answer — the connection dropped, the reconnect could not log in, the run
 * lock was lost with its session — says nothing about the target, so it must not take the step's
 * `onFail` route (a wait would report "did not catch up" 6 ms into a 30-minute wait) nor end the run
 * as failed: the run stops where it is, resumable, and `agmedic resume` asks again.
 */
import { isAgmedicError, type AgmedicError, type ErrorCode } from '../../errors.js';

/** Codes meaning the question never reached the target, or its answer never came back. */
export const COULD_NOT_ASK: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['CONNECT_FAILED', 'LOGIN_FAILED', 'LOCK_LOST']);

/**
 * True for an error that says nothing about the target's state.
 *
 * @example
 * couldNotAsk(new AgmedicError('CONNECT_FAILED', 'connection lost')) // true
 * couldNotAsk(new AgmedicError('SQL_ERROR', 'Msg 41104 …'))          // false: the server answered
 */
export function couldNotAsk(err: unknown): err is AgmedicError {
  return isAgmedicError(err) && COULD_NOT_ASK.has(err.code);
}
