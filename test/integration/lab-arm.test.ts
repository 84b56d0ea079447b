/**
 * One model behind ARM and T-SQL: the real `@azure/arm-sql` client against the lab's emulator, and
 * FreeTDS `tsql` against the lab's instances.
 */
import { spawn, spawnSync } from 'node:child_process';
import { SqlManagementClient } from '@azure/arm-sql';
import { createPipelineRequest } from '@azure/core-rest-pipeline';
import { afterEach, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../../src/lab/index.js';
import { ARM_SCOPE, restError, staticCredential } from '../lab/arm/harness.js';
import { sendLinkAction } from '../lab/arm/link-action.js';
import { poolTracker, ROLE_QUERY } from './helpers/lab-client.js';

let lab: Lab | undefined;
const pools = poolTracker();
afterEach(async () => {
  await pools.closeAll();
  await lab?.close();
  lab = undefined;
});

function armClient(l: Lab, token = l.armToken): SqlManagementClient {
  return new SqlManagementClient(staticCredential(token), l.arm.subscriptionId, {
    endpoint: l.arm.url,
    credentialScopes: [ARM_SCOPE],
    tlsOptions: { ca: l.ca },
    retryOptions: { maxRetries: 0 },
  });
}

async function roleOver(l: Lab, which: 'sqlserver' | 'mi'): Promise<string> {
  const pool = await pools.open(l, l[which]);
  return ((await pool.request().query(ROLE_QUERY)).recordset[0] as { role: string }).role;
}

describe('@azure/arm-sql against the composed lab', () => {
  it('gets and lists the link with the model’s state', async () => {
    lab = await startLab();
    const client = armClient(lab);
    const dag = await client.distributedAvailabilityGroups.get(lab.arm.resourceGroup, lab.arm.instance, 'SalesLink');
    expect(dag).toMatchObject({ name: 'SalesLink', targetDatabase: 'Sales', primaryAvailabilityGroupName: 'AG_Sales', secondaryAvailabilityGroupName: 'AG_Sales_MI', linkState: 'LinkSynchronizing' });
    const names: string[] = [];
    for await (const d of client.distributedAvailabilityGroups.listByInstance(lab.arm.resourceGroup, lab.arm.instance)) names.push(d.name!);
    expect(names).toEqual(['SalesLink']);
    expect((await restError(client.distributedAvailabilityGroups.get(lab.arm.resourceGroup, lab.arm.instance, 'nope'))).statusCode).toBe(404);
    expect((await restError(armClient(lab, 'wrong-token').distributedAvailabilityGroups.get(lab.arm.resourceGroup, lab.arm.instance, 'SalesLink'))).statusCode).toBe(401);
  });

  it('a 2025-01-01 failover through the client pipeline shows in the DMVs over TDS', async () => {
    lab = await startLab();
    expect([await roleOver(lab, 'sqlserver'), await roleOver(lab, 'mi')]).toEqual(['PRIMARY', 'SECONDARY']);
    const client = armClient(lab);
    const planned = { endpoint: lab.arm.url, resourceGroup: lab.arm.resourceGroup, managedInstance: lab.arm.instance, link: 'SalesLink', action: 'failover' as const, body: { failoverType: 'Planned' } };
    // domain.md [SPEC]: a planned failover is refused with "…FailoverSecondariesNotSynchronizing" —
    // not quietly made possible by switching the link to Sync, as the lab did before.
    const onAsync = await sendLinkAction(client, planned);
    expect(onAsync.status).toBe(409);
    expect(onAsync.body).toMatchObject({ error: { code: 'DistributedAvailabilityGroupFailoverSecondariesNotSynchronizing' } });
    expect(lab.control.roles()).toEqual({ sqlserver: 'PRIMARY', mi: 'SECONDARY' });
    await client.distributedAvailabilityGroups.beginUpdateAndWait(lab.arm.resourceGroup, lab.arm.instance, 'SalesLink', { replicationMode: 'Sync' }, { updateIntervalInMs: 10 });
    const result = await sendLinkAction(client, planned);
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ properties: { instanceLinkRole: 'Primary', partnerLinkRole: 'Secondary' } });
    expect([await roleOver(lab, 'sqlserver'), await roleOver(lab, 'mi')]).toEqual(['SECONDARY', 'PRIMARY']);
    expect(lab.control.roles()).toEqual({ sqlserver: 'SECONDARY', mi: 'PRIMARY' });
    // And again: the managed instance is already primary, which ARM refuses.
    const again = await sendLinkAction(client, {
      endpoint: lab.arm.url, resourceGroup: lab.arm.resourceGroup, managedInstance: lab.arm.instance, link: 'SalesLink', action: 'failover', body: { failoverType: 'Planned' },
    });
    expect(again.status).toBeGreaterThanOrEqual(400);
  });

  it('a T-SQL role change shows in the next ARM get', async () => {
    lab = await startLab({ scenario: 'split-brain' });
    const l = lab;
    const client = armClient(l);
    const roles = async (): Promise<unknown> => {
      const url = `${l.arm.url}/subscriptions/${l.arm.subscriptionId}/resourceGroups/${l.arm.resourceGroup}/providers/Microsoft.Sql/managedInstances/${l.arm.instance}/distributedAvailabilityGroups/SalesLink?api-version=2025-01-01`;
      const res = await client.sendRequest(createPipelineRequest({ url, method: 'GET' }));
      const p = (JSON.parse(res.bodyAsText ?? '{}') as { properties: { instanceLinkRole: string; partnerLinkRole: string } }).properties;
      return [p.partnerLinkRole, p.instanceLinkRole];
    };
    expect(await roles()).toEqual(['Primary', 'Primary']);
    const pool = await pools.open(l, l.mi);
    await pool.request().query('ALTER AVAILABILITY GROUP [SalesLink] SET (ROLE = SECONDARY)');
    expect(l.control.roles().mi).toBe('SECONDARY');
    expect(await roles()).toEqual(['Primary', 'Secondary']);
  });
});

const hasTsql = spawnSync('sh', ['-c', 'command -v tsql'], { encoding: 'utf8' }).status === 0;
if (process.env.CI && !hasTsql) throw new Error('tsql is not on PATH: .ci/run must install freetds-bin');

function runTsql(l: Lab, port: number, input: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('tsql', ['-H', l.host, '-p', String(port), '-U', l.login, '-P', l.password], {
      env: { ...process.env, TDSVER: '7.4', FREETDSCONF: '/dev/null' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', () => resolve({ stdout, stderr }));
    child.stdin.end(input);
  });
}

describe.skipIf(!hasTsql)('FreeTDS tsql against the composed lab (skipped: no tsql)', () => {
  it('logs in and runs the multi-join DMV query a DBA types', async () => {
    lab = await startLab();
    const query = `SELECT ag.name, ar.replica_server_name, rs.role_desc, rs.synchronization_health_desc
FROM sys.availability_groups ag
JOIN sys.availability_replicas ar ON ar.group_id = ag.group_id
JOIN sys.dm_hadr_availability_replica_states rs ON rs.replica_id = ar.replica_id
WHERE ag.is_distributed = 1
ORDER BY ar.replica_server_name
go
exit
`;
    const { stdout, stderr } = await runTsql(lab, lab.sqlserver.port, query);
    expect(stderr).not.toMatch(/error|failed/i);
    expect(stdout).toMatch(/SalesLink\s+AG_Sales\s+PRIMARY\s+HEALTHY/);
    expect(stdout).toMatch(/SalesLink\s+AG_Sales_MI\s+SECONDARY\s+HEALTHY/);
    expect(stdout).toMatch(/\(2 rows affected\)/);
    expect(lab.statementLog().some((s) => s.instance === 'SQL01' && s.text.includes('sys.dm_hadr_availability_replica_states') && s.outcome.ok)).toBe(true);
  });
});
