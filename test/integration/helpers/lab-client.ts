import sql from 'mssql';
import type { Lab, LabTdsEndpoint } from '../../../src/lab/index.js';

/** An `mssql` config for one lab instance, honouring the lab's TLS mode and trusting only its CA. */
export function labConfig(lab: Lab, endpoint: LabTdsEndpoint, extra: Partial<sql.config> = {}): sql.config {
  const tls = lab.tls === 'strict' ? { encrypt: 'strict' as unknown as boolean, cryptoCredentialsDetails: { ca: lab.ca } } : { encrypt: false };
  return {
    server: endpoint.host,
    port: endpoint.port,
    user: lab.login,
    password: lab.password,
    database: 'master',
    connectionTimeout: 5000,
    requestTimeout: 5000,
    ...extra,
    options: { trustServerCertificate: false, ...tls, ...extra.options },
    pool: { max: 1, min: 0, ...extra.pool },
  };
}

/** Opens pools and closes them all at the end of a file. */
export function poolTracker(): { open(lab: Lab, endpoint: LabTdsEndpoint, extra?: Partial<sql.config>): Promise<sql.ConnectionPool>; closeAll(): Promise<void> } {
  const pools: sql.ConnectionPool[] = [];
  return {
    async open(lab, endpoint, extra) {
      const pool = new sql.ConnectionPool(labConfig(lab, endpoint, extra));
      pools.push(pool);
      return pool.connect();
    },
    async closeAll() {
      await Promise.allSettled(pools.map((p) => p.close()));
    },
  };
}

/** The role query a DBA runs: AG ⨝ replicas ⨝ replica states, local replica only. */
export const ROLE_QUERY = `SELECT ag.name AS ag_name, ar.replica_server_name AS replica, rs.role_desc AS role
FROM sys.availability_groups ag
JOIN sys.availability_replicas ar ON ar.group_id = ag.group_id
JOIN sys.dm_hadr_availability_replica_states rs ON rs.replica_id = ar.replica_id AND rs.group_id = ag.group_id
WHERE ag.is_distributed = 1 AND rs.is_local = 1`;
