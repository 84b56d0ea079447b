/**
 * The lab's TDS server: speaks TDS 7.4 (and TDS 8.0 strict over TLS) to real clients and hands
 * decoded requests to a {@link SqlEngine}.
 *
 * How requests reach the engine:
 * - SQL_BATCH → `{ kind: 'batch', text, params: [] }` (including the `set ...` batch tedious sends
 *   after login, which the engine must answer, e.g. with `[{ kind: 'done' }]`).
 * - RPC `sp_executesql` (by id 10 or by name) → `{ kind: 'rpc', text: @statement, params }` with
 *   the typed values, names without `@`.
 * - any other RPC (`request.execute('sp_getapplock')`) → `{ kind: 'rpc', text: 'EXEC sp_getapplock',
 *   params }` — the name as the client sent it; its return value comes from a `returnStatus` output.
 *   Output parameters are decoded (`output: true`) but no values are sent back.
 * - transaction manager requests (tedious `beginTransaction`, mssql `Transaction`) →
 *   `{ kind: 'batch', text: 'BEGIN TRANSACTION' | 'COMMIT TRANSACTION' | 'ROLLBACK TRANSACTION' |
 *   'SAVE TRANSACTION [name]' }`; unless the engine answers an error, the server adds the ENVCHANGE.
 *
 * @example
 * import { startTdsServer, generateLabCertificate } from './lab/tds/index.js';
 * const pems = await generateLabCertificate(['localhost', '127.0.0.1']);
 * const server = await startTdsServer({ engine, tls: { key: pems.key, cert: pems.cert } });
 * console.log(`listening on ${server.host}:${server.port}`);
 */
export { DEFAULT_TDS_LIMITS, startTdsServer } from './start-tds-server.js';
export { generateLabCertificate, type LabCertificate } from './generate-lab-certificate.js';
export type { StatementEvent, TdsLimits, TdsServer, TdsServerOptions } from './types.js';
