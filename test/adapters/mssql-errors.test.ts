import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { toConnectError, toQueryError } from '../../src/adapters/mssql-errors.js';

const who = { role: 'sqlserver', server: 'sql01,1433' };
const PW = 'Echoed-Pa55!';

describe('driver error mapping', () => {
  it('scrubs a password the driver echoed, in message, details and inspection', () => {
    const driverErr = Object.assign(new Error(`Login failed for user 'sa' (password: '${PW}')`), {
      code: 'ELOGIN',
      originalError: new Error(`config { password: "${PW}" }`),
    });
    const err = toConnectError(driverErr, who, [PW]);
    expect(err.code).toBe('LOGIN_FAILED');
    expect(err.message).toContain('[secret]');
    expect(err.cause).toBeUndefined();
    for (const text of [err.message, JSON.stringify(err.details), inspect(err, { depth: 10 })]) expect(text).not.toContain(PW);
  });

  it('keeps the first SQL error as the cause and every one in order', () => {
    const first = { number: 1408, class: 16, state: 1, lineNumber: 1, message: 'The remote copy of database "Sales" is not recovered far enough.', code: 'EREQUEST' };
    const err = toQueryError({ ...first, number: 3621, message: 'The statement has been terminated.', precedingErrors: [first] }, who, [], false);
    expect(err.code).toBe('SQL_ERROR');
    expect(err.details).toMatchObject({ sqlError: { number: 1408 }, sqlErrors: [{ number: 1408 }, { number: 3621 }] });
    expect(err.message).toMatch(/^sqlserver \(sql01,1433\): Msg 1408, Level 16, State 1, Line 1:/);
  });

  it('a lost connection mid-statement is CONNECT_FAILED, not SQL_ERROR', () => {
    expect(toQueryError({ code: 'ECONNCLOSED', message: 'Connection is closed.' }, who, [], false).code).toBe('CONNECT_FAILED');
  });
});
