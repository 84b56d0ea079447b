import sql from 'mssql';
import { startTdsServer } from '../../../src/lab/tds/index.js';
import type { TdsServer, TdsServerOptions, StatementEvent } from '../../../src/lab/tds/index.js';
import { createFakeEngine, type FakeEngine } from './fake-engine.js';

export interface Lab {
  server: TdsServer;
  engine: FakeEngine;
  statements: StatementEvent[];
  /** A connected pool; closed by `stop`. */
  connect(extra?: Partial<sql.config>): Promise<sql.ConnectionPool>;
  config(extra?: Partial<sql.config>): sql.config;
  stop(): Promise<void>;
}

export async function startLab(opts: Partial<TdsServerOptions> = {}): Promise<Lab> {
  const engine = createFakeEngine();
  const statements: StatementEvent[] = [];
  const server = await startTdsServer({ engine, port: 0, host: '127.0.0.1', onStatement: (ev) => statements.push(ev), ...opts });
  const pools: sql.ConnectionPool[] = [];
  const config = (extra: Partial<sql.config> = {}): sql.config => ({
    server: '127.0.0.1',
    port: server.port,
    user: 'sa',
    password: 'pw',
    database: 'master',
    connectionTimeout: 5000,
    requestTimeout: 5000,
    ...extra,
    options: { trustServerCertificate: true, ...extra.options },
    pool: { max: 1, min: 0, ...extra.pool },
  });
  return {
    server,
    engine,
    statements,
    config,
    async connect(extra) {
      const pool = new sql.ConnectionPool(config(extra));
      pools.push(pool);
      return pool.connect();
    },
    async stop() {
      await Promise.allSettled(pools.map((p) => p.close()));
      await server.close();
    },
  };
}
