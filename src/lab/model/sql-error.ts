import { AgmedicError } from '../../errors.js';

/**
 * An error the simulated instance raises with SQL Server's number, state and severity, so the TDS
 * layer can send it as an ERROR token and the ARM emulator can map it to an HTTP error body.
 *
 * @example
 * throw new SqlServerError(15151, "Cannot alter the availability group 'X', because it does not exist or you do not have permission.");
 */
export class SqlServerError extends AgmedicError {
  constructor(
    readonly number: number,
    message: string,
    readonly severity = 16,
    readonly state = 1,
  ) {
    super('LAB_SQL_ERROR', message, { details: { number } });
  }
}

export function isSqlServerError(err: unknown): err is SqlServerError {
  return err instanceof SqlServerError;
}
