import net from 'node:net';
import { startTdsServer, type TdsServer, type TdsServerOptions } from '../../../src/lab/tds/index.js';
import type { TargetConfig } from '../../../src/ports/sql-target.js';
import { createAppLockEngine, LOGIN, type AppLockEngine } from './applock-engine.js';

export interface SqlLab {
  server: TdsServer;
  engine: AppLockEngine;
  target(overrides?: Partial<TargetConfig>): TargetConfig;
  stop(): Promise<void>;
}

export async function startSqlLab(opts: Partial<TdsServerOptions> = {}): Promise<SqlLab> {
  const engine = createAppLockEngine();
  const server = await startTdsServer({ engine, host: '127.0.0.1', port: 0, ...opts });
  return {
    server,
    engine,
    target: (overrides = {}) => ({
      role: 'sqlserver',
      server: '127.0.0.1',
      port: server.port,
      encrypt: false,
      trustServerCertificate: true,
      connectTimeoutMs: 5000,
      requestTimeoutMs: 5000,
      auth: { type: 'sql', user: LOGIN, passwordEnv: 'AGMEDIC_TEST_PASSWORD' },
      ...overrides,
    }),
    stop: () => server.close(),
  };
}

/** A loopback port nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}
