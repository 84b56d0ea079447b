/**
 * The adapter (real `@azure/arm-sql` client pipeline) against the composed lab, whose ARM emulator
 * shows the world model: the instance's update policy, its trust store, the link's refusals, and
 * long-running operations that take seconds with `Location` as the only polling header.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sql from 'mssql';
import { afterEach, describe, expect, it } from 'vitest';
import { openAzureLink } from '../../src/adapters/arm-link.js';
import { staticTokenCredential } from '../../src/adapters/azure-credential.js';
import { AgmedicError } from '../../src/errors.js';
import { startLab, type Lab, type StartLabOptions } from '../../src/lab/index.js';
import type { AzureLink } from '../../src/ports/azure-link.js';
import { Secret } from '../../src/ports/secret.js';
import { labConfig } from '../integration/helpers/lab-client.js';

let lab: Lab | undefined;
afterEach(async () => {
  await lab?.close();
  lab = undefined;
});

async function open(options: StartLabOptions = {}): Promise<{ lab: Lab; azure: AzureLink; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'agmedic-armw-'));
  lab = await startLab(options);
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, lab.ca);
  const azure = openAzureLink(
    'mi',
    { subscriptionId: lab.arm.subscriptionId, resourceGroup: lab.arm.resourceGroup, instance: lab.arm.instance, endpoint: lab.arm.url, caFile },
    staticTokenCredential(Secret.fromEnv('T', { T: lab.armToken })),
    { maxRetries: 0, defaultPollMs: 50 },
  );
  return { lab, azure, dir };
}

async function armError(p: Promise<unknown>): Promise<{ status: unknown; armCode: unknown }> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(AgmedicError);
  const details = (err as AgmedicError).details ?? {};
  return { status: details.status, armCode: details.armCode };
}

type Db = { connectedState: string; mostRecentLinkError?: string };
const firstDb = async (azure: AzureLink): Promise<Db> => ((await azure.call('get', 'SalesLink')).body as { properties: { databases: Db[] } }).properties.databases[0]!;

describe('the adapter against the world-backed ARM emulator', () => {
  it('getInstance shows the update policy the lab was started with', async () => {
    const a = await open();
    expect((await a.azure.call('getInstance', '')).body).toMatchObject({ name: 'mi-lab', type: 'Microsoft.Sql/managedInstances', properties: { databaseFormat: 'SQLServer2022' } });
    await a.lab.close();
    const b = await open({ databaseFormat: 'AlwaysUpToDate' });
    const res = await b.azure.call('getInstance', '');
    expect(res.request.path).toBe(`/subscriptions/${b.lab.arm.subscriptionId}/resourceGroups/${b.lab.arm.resourceGroup}/providers/Microsoft.Sql/managedInstances/mi-lab`);
    expect(res.body).toMatchObject({ properties: { databaseFormat: 'AlwaysUpToDate' } });
  });

  // domain.md [TS]: 41973 — "SQL Server endpoint cert not imported into the MI". Issue 10: verify the
  // MI's trust through ARM serverTrustCertificates; the link follows what that resource holds.
  it('the link follows the MI trust store: deleting the SQL Server certificate through ARM breaks it, putting it back heals it', async () => {
    const { azure } = await open();
    const listed = (await azure.call('listTrustCertificates', '')).body as { value: Array<{ name: string; properties: { publicBlob: string; thumbprint: string } }> };
    expect(listed.value).toHaveLength(1);
    const [trusted] = listed.value;
    expect(trusted!.properties.publicBlob).toMatch(/^0x[0-9A-F]+$/);
    expect(await firstDb(azure)).toMatchObject({ connectedState: 'CONNECTED' });

    expect((await azure.call('deleteTrustCertificate', trusted!.name)).status).toBe(204);
    expect(await armError(azure.call('getTrustCertificate', trusted!.name))).toEqual({ status: 404, armCode: 'ResourceNotFound' });
    expect(await firstDb(azure)).toMatchObject({ connectedState: 'DISCONNECTED' });
    // Deleting what is not there is 204 at once, as for the link.
    expect((await azure.call('deleteTrustCertificate', trusted!.name)).status).toBe(204);

    const put = await azure.call('putTrustCertificate', 'sql01-endpoint', { properties: { publicBlob: trusted!.properties.publicBlob } });
    expect(put.body).toMatchObject({ name: 'sql01-endpoint', type: 'Microsoft.Sql/managedInstances/serverTrustCertificates', properties: { thumbprint: trusted!.properties.thumbprint } });
    expect((await azure.call('getTrustCertificate', 'sql01-endpoint')).body).toMatchObject({ properties: { publicBlob: trusted!.properties.publicBlob } });
    expect(await firstDb(azure)).toMatchObject({ connectedState: 'CONNECTED' });
  });

  // Issue 10 item 3: the MI's sys.certificates "can be faked" by a plain CREATE CERTIFICATE; only
  // ARM serverTrustCertificates is the trust the link uses.
  it('a CREATE CERTIFICATE of the same blob on the MI over T-SQL does not heal the link; the ARM upload does', async () => {
    const { lab: l, azure } = await open();
    const [trusted] = ((await azure.call('listTrustCertificates', '')).body as { value: Array<{ name: string; properties: { publicBlob: string } }> }).value;
    await azure.call('deleteTrustCertificate', trusted!.name);
    const pool = await new sql.ConnectionPool(labConfig(l, l.mi)).connect();
    try {
      await pool.request().batch(`CREATE CERTIFICATE sql01_copy FROM BINARY = ${trusted!.properties.publicBlob}`);
      const rows = (await pool.request().query("SELECT name FROM sys.certificates WHERE name = 'sql01_copy'")).recordset;
      expect(rows).toHaveLength(1);
    } finally {
      await pool.close();
    }
    expect(await firstDb(azure)).toMatchObject({ connectedState: 'DISCONNECTED' });
    await azure.call('putTrustCertificate', 'sql01', { properties: { publicBlob: trusted!.properties.publicBlob } });
    expect(await firstDb(azure)).toMatchObject({ connectedState: 'CONNECTED' });
  });

  it('a trust certificate that is not SQL Server\'s endpoint certificate does not heal the link', async () => {
    const { azure } = await open();
    const [trusted] = ((await azure.call('listTrustCertificates', '')).body as { value: Array<{ name: string }> }).value;
    await azure.call('deleteTrustCertificate', trusted!.name);
    await azure.call('putTrustCertificate', 'other', { properties: { publicBlob: '0x3082010A0282010100' } });
    expect(await firstDb(azure)).toMatchObject({ connectedState: 'DISCONNECTED' });
    expect(await armError(azure.call('putTrustCertificate', 'bad', { properties: { publicBlob: 'not hex' } }))).toEqual({ status: 400, armCode: 'InvalidParameterValue' });
  });

  // domain.md [SPEC]: "Refusals the spec lists (409): DistributedAvailabilityGroupSetRoleInstanceAlreadyInRequestedRole,
  // DistributedAvailabilityGroupSetRolePrimaryPlannedNotSupported".
  it('setRole refuses the role the instance already has and a planned change to Primary; 2022-08-01-preview sets the role', async () => {
    const { lab: l, azure } = await open({ scenario: 'split-brain' });
    expect(await armError(azure.call('setRole', 'SalesLink', { instanceRole: 'Primary', roleChangeType: 'Planned' }))).toEqual({ status: 409, armCode: expect.stringMatching(/^DistributedAvailabilityGroupSetRole/) });
    const mi = l.control.roles().mi;
    const already = mi === 'PRIMARY' ? 'Primary' : 'Secondary';
    expect(await armError(azure.call('setRole', 'SalesLink', { instanceRole: already, roleChangeType: 'Forced' }))).toEqual({ status: 409, armCode: 'DistributedAvailabilityGroupSetRoleInstanceAlreadyInRequestedRole' });
    const other = already === 'Primary' ? 'Secondary' : 'Primary';
    const res = await azure.call('setRole', 'SalesLink', { instanceRole: other, roleChangeType: 'Forced' }, { apiVersion: '2022-08-01-preview' });
    expect(res.request.apiVersion).toBe('2022-08-01-preview');
    expect(res.body).toMatchObject({ properties: { instanceRole: other } });
  });

  it('failover is not an action of 2022-08-01-preview; every GUID comes back in lower case', async () => {
    const { azure } = await open();
    expect(await armError(azure.call('failover', 'SalesLink', { failoverType: 'ForcedAllowDataLoss' }, { apiVersion: '2022-08-01-preview' }))).toEqual({ status: 400, armCode: 'InvalidApiVersionParameter' });
    const text = JSON.stringify((await azure.call('get', 'SalesLink')).body);
    const guids = text.match(/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/g) ?? [];
    expect(guids.length).toBeGreaterThanOrEqual(3);
    expect(guids.filter((g) => g !== g.toLowerCase())).toEqual([]);
  });

  // domain.md [SPEC]: "poll `Location` (the spec declares only `Location` …; a client must also work
  // when no `Azure-AsyncOperation` header comes)".
  it('follows a 202 with only Location through an operation that takes a second; a second change meanwhile is 409 AnotherOperationInProgress; the request log has both', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agmedic-armlog-'));
    const logFile = join(dir, 'arm.jsonl');
    const { lab: l, azure } = await open({ armOpSeconds: 1, armAsyncOperationHeader: false, armRequestLogFile: logFile });
    const accepted: unknown[] = [];
    const pending = azure.call('update', 'SalesLink', { properties: { replicationMode: 'Sync' } }, { onAccepted: (h) => void accepted.push(h) });
    await new Promise((r) => setTimeout(r, 200));
    expect(await armError(azure.call('setRole', 'SalesLink', { instanceRole: 'Primary', roleChangeType: 'Forced' }))).toEqual({ status: 409, armCode: 'AnotherOperationInProgress' });
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ properties: { replicationMode: 'Sync' } });
    expect(accepted).toEqual([{ locationUrl: expect.stringMatching(/\/distributedAvailabilityGroupsOperationResults\/[0-9a-f-]{36}\?api-version=2025-01-01$/) }]);
    expect(res.operation).toEqual(accepted[0]);
    expect(l.control.roles().mi).toBe('SECONDARY');

    const lines = readFileSync(logFile, 'utf8').trim().split('\n').map((x) => JSON.parse(x) as { method: string; path: string; status: number; errorCode?: string });
    expect(lines.filter((r) => r.method === 'PATCH')).toMatchObject([{ status: 202 }]);
    expect(lines.filter((r) => r.method === 'POST')).toMatchObject([{ status: 409, errorCode: 'AnotherOperationInProgress' }]);
    expect(lines.some((r) => r.path.includes('AzureAsyncOperation'))).toBe(false);
    expect(lines.filter((r) => r.path.includes('OperationResults')).at(-1)).toMatchObject({ status: 200 });
    expect(readFileSync(logFile, 'utf8')).not.toContain(l.armToken);
  });

  it('poll() follows an operation accepted earlier (as resume does) and refuses a URL on another host', async () => {
    const { azure } = await open({ armOpSeconds: 1 });
    let handle: { asyncOperationUrl?: string; locationUrl?: string } | undefined;
    const ac = new AbortController();
    const first = azure.call('delete', 'SalesLink', undefined, { signal: ac.signal, onAccepted: (h) => { handle = h; ac.abort(); } });
    expect((await first.then(() => undefined, (e: AgmedicError) => e))?.code).toBe('CANCELLED');
    expect(handle?.locationUrl).toBeDefined();
    const res = await azure.call('get', 'SalesLink');
    expect(res.status).toBe(200); // still there: the delete is in progress
    const done = await azure.poll(handle!);
    expect(done.status).toBe(204);
    expect(await armError(azure.call('get', 'SalesLink'))).toEqual({ status: 404, armCode: 'ResourceNotFound' });
    const elsewhere = await azure.poll({ locationUrl: 'https://attacker.example/x' }).then(() => undefined, (e: AgmedicError) => e);
    expect(elsewhere?.code).toBe('AZURE_ERROR');
  });
});
