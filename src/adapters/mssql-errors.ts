import { AgmedicError } from '../errors.js';
import type { SqlError } from '../ports/sql-target.js';

/** Who a driver error is about; put into every message so an operator knows which server failed. */
export interface TargetIdentity {
  role: string;
  server: string;
}

interface DriverError {
  name?: string;
  code?: string;
  message?: string;
  number?: number;
  class?: number;
  state?: number;
  lineNumber?: number;
  originalError?: unknown;
  precedingErrors?: DriverError[];
}

const asDriverError = (err: unknown): DriverError => (typeof err === 'object' && err !== null ? (err as DriverError) : { message: String(err) });

/**
 * Removes a secret from driver text. tedious can echo parts of its config (user, sometimes the
 * password) in messages; scrubbing the exact value is the only check that cannot miss a format.
 *
 * @example
 * scrub("password: 'pw1'", ['pw1']); // "password: '[secret]'"
 */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join('[secret]');
  return out;
}

/** The first line of the innermost driver message: mssql wraps tedious, which wraps the socket error. */
function reasonOf(err: DriverError): string {
  const inner = err.originalError !== undefined ? asDriverError(err.originalError) : undefined;
  const text = inner?.message && inner.message !== err.message ? `${err.message ?? ''} (${inner.message})` : (err.message ?? '');
  return text.split('\n')[0]!.trim() || 'unknown reason';
}

/**
 * A failed connect as `LOGIN_FAILED` (the server answered and refused the login) or
 * `CONNECT_FAILED` (network, TLS, timeout). No cause is attached: the driver's error objects
 * reference its config, password included.
 *
 * @example
 * throw toConnectError(err, { role: 'mi', server: 'mi01,1433' }, [password.reveal()]);
 */
export function toConnectError(err: unknown, who: TargetIdentity, secrets: readonly string[]): AgmedicError {
  const e = asDriverError(err);
  const reason = scrub(reasonOf(e), secrets);
  const driverCode = typeof e.code === 'string' ? e.code : undefined;
  if (driverCode === 'ELOGIN') {
    return new AgmedicError('LOGIN_FAILED', `${who.role} (${who.server}): login failed: ${reason}`, {
      details: { role: who.role, server: who.server, driverCode, reason },
    });
  }
  return new AgmedicError('CONNECT_FAILED', `${who.role} (${who.server}): cannot connect: ${reason}`, {
    details: { role: who.role, server: who.server, driverCode, reason },
  });
}

function sqlErrorOf(e: DriverError): SqlError {
  return {
    number: e.number ?? 0,
    class: e.class ?? 0,
    state: e.state ?? 0,
    message: e.message ?? '',
    lineNumber: e.lineNumber ?? 0,
  };
}

/**
 * A failed statement: `SQL_ERROR` with the server's first error in `details.sqlError` (and every error of
 * the batch in `details.sqlErrors`), or `CANCELLED`, `STEP_TIMEOUT`, `CONNECT_FAILED` when the
 * statement never got an answer.
 *
 * @example
 * throw toQueryError(err, { role: 'mi', server: 'mi01,1433' }, [], signal?.aborted ?? false);
 */
export function toQueryError(err: unknown, who: TargetIdentity, secrets: readonly string[], aborted: boolean): AgmedicError {
  if (err instanceof AgmedicError) return err;
  const e = asDriverError(err);
  const details = { role: who.role, server: who.server };
  if (e.code === 'ECANCEL' || aborted) return new AgmedicError('CANCELLED', `${who.role} (${who.server}): statement cancelled`, { details });
  if (e.code === 'ETIMEOUT') return new AgmedicError('STEP_TIMEOUT', `${who.role} (${who.server}): statement timed out and was cancelled`, { details });
  if (typeof e.number === 'number' && e.number > 0 && e.code === 'EREQUEST') {
    const all = [...(e.precedingErrors ?? []), e].map((x) => {
      const s = sqlErrorOf(x);
      return { ...s, message: scrub(s.message, secrets) };
    });
    // The first error is the cause; later ones are usually consequences ("The statement has been terminated").
    const first = all[0]!;
    return new AgmedicError('SQL_ERROR', `${who.role} (${who.server}): Msg ${first.number}, Level ${first.class}, State ${first.state}, Line ${first.lineNumber}: ${first.message}`, {
      details: { ...details, sqlError: first, sqlErrors: all },
    });
  }
  return new AgmedicError('CONNECT_FAILED', `${who.role} (${who.server}): connection lost: ${scrub(reasonOf(e), secrets)}`, {
    details: { ...details, driverCode: e.code },
  });
}
