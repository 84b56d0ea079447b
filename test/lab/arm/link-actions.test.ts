import { createPipelineRequest } from '@azure/core-rest-pipeline';
import { afterEach, describe, expect, it } from 'vitest';
import { MI, RG, seedLink, startArmLab, type ArmLab } from './harness.js';
import { sendLinkAction } from './link-action.js';

let lab: ArmLab;
afterEach(async () => {
  await lab.stop();
});

const action = (name: 'failover' | 'setRole', body: Record<string, string>, link = 'dag_sales') =>
  sendLinkAction(lab.client, { endpoint: lab.arm.url, resourceGroup: RG, managedInstance: MI, link, action: name, body, pollIntervalMs: 5 });

const roles = async (link = 'dag_sales') => {
  const state = await lab.backend.getLink(MI, link);
  return [state?.instanceLinkRole, state?.partnerLinkRole];
};

describe('2025-01-01 through the same client pipeline', () => {
  it('shows the newer shape: roles, modes and databases[] without the old fields', async () => {
    lab = await startArmLab();
    const res = await lab.client.sendRequest(createPipelineRequest({ url: `${lab.arm.url}${linkPathOf(lab)}?api-version=2025-01-01`, method: 'GET' }));
    const body = JSON.parse(res.bodyAsText!) as { properties: Record<string, unknown> };
    expect(res.status).toBe(200);
    expect(body.properties).toMatchObject({
      distributedAvailabilityGroupName: 'dag_sales',
      replicationMode: 'Async',
      instanceLinkRole: 'Secondary',
      partnerLinkRole: 'Primary',
      partnerAvailabilityGroupName: 'ag_sql',
      instanceAvailabilityGroupName: 'ag_mi',
      failoverMode: 'None',
      seedingMode: 'Automatic',
      databases: [{ databaseName: 'sales', partnerAuthCertValidity: { certificateName: 'sql_endpoint_cert', expiryDate: '2026-01-31T00:00:00.000Z' } }],
    });
    expect(body.properties).not.toHaveProperty('targetDatabase');
    expect(body.properties).not.toHaveProperty('linkState');
  });

  it('refuses a planned failover while the link is asynchronous, and the roles stay', async () => {
    lab = await startArmLab();
    const result = await action('failover', { failoverType: 'Planned' });
    expect(result.status).toBe(409);
    expect(result.body).toMatchObject({ error: { code: 'DistributedAvailabilityGroupFailoverSecondariesNotSynchronizing' } });
    expect(await roles()).toEqual(['Secondary', 'Primary']);
  });

  it('fails over after switching to Sync: the managed instance becomes primary when the operation completes', async () => {
    lab = await startArmLab();
    await lab.client.distributedAvailabilityGroups.beginUpdateAndWait(RG, MI, 'dag_sales', { replicationMode: 'Sync' });
    lab.arm.clearRequests();
    const result = await action('failover', { failoverType: 'Planned' });
    expect(result.statuses).toEqual([202, 200]);
    expect(result.body).toMatchObject({ properties: { instanceLinkRole: 'Primary', partnerLinkRole: 'Secondary' } });
    expect(await roles()).toEqual(['Primary', 'Secondary']);
    // The old shape follows: the managed instance's AG is now the primary one.
    expect((await lab.client.distributedAvailabilityGroups.get(RG, MI, 'dag_sales')).primaryAvailabilityGroupName).toBe('ag_mi');
    expect(lab.arm.requests.slice(0, 2).map((r) => [r.method, r.apiVersion, r.status, r.body])).toEqual([
      ['POST', '2025-01-01', 202, { failoverType: 'Planned' }],
      ['GET', '2025-01-01', 200, undefined],
    ]);
  });

  it('undoes split brain with a forced setRole that demotes only the managed instance', async () => {
    lab = await startArmLab([seedLink('dag_sales', { instanceLinkRole: 'Primary', partnerLinkRole: 'Primary' })]);
    const result = await action('setRole', { instanceRole: 'Secondary', roleChangeType: 'Forced' });
    expect(result.status).toBe(200);
    expect(await roles()).toEqual(['Secondary', 'Primary']);
  });

  it('refuses a planned setRole while the partner is disconnected', async () => {
    const link = seedLink('dag_sales', { instanceLinkRole: 'Primary', partnerLinkRole: 'Secondary' });
    link.databases[0]!.connectedState = 'DISCONNECTED';
    lab = await startArmLab([link]);
    const result = await action('setRole', { instanceRole: 'Secondary', roleChangeType: 'Planned' });
    expect([result.status, (result.body as { error: { code: string } }).error.code]).toEqual([409, 'LinkRoleChangeNotAllowed']);
    expect(await roles()).toEqual(['Primary', 'Secondary']);
  });

  it('keeps an operation in progress until its delay has passed on the clock, and refuses a second one meanwhile', async () => {
    // A hand-moved clock of our own: the lab model's clock is another team's, still in progress.
    let now = Date.parse('2025-06-01T08:00:00Z');
    const clock = { now: () => now };
    lab = await startArmLab([seedLink('dag_sales')], { clock, operationDelayMs: 30_000 });
    const post = await lab.client.sendRequest(
      createPipelineRequest({ url: `${lab.arm.url}${linkPathOf(lab)}/failover?api-version=2025-01-01`, method: 'POST', body: '{"failoverType":"ForcedAllowDataLoss"}' }),
    );
    expect([post.status, post.headers.get('retry-after')]).toEqual([202, '30']);
    const location = post.headers.get('location')!;
    const asyncOperation = post.headers.get('azure-asyncoperation')!;
    const get = (url: string) => lab.client.sendRequest(createPipelineRequest({ url, method: 'GET' }));

    expect((await get(location)).status).toBe(202);
    expect(JSON.parse((await get(asyncOperation)).bodyAsText!)).toMatchObject({ status: 'InProgress' });
    const second = await lab.client.sendRequest(
      createPipelineRequest({ url: `${lab.arm.url}${linkPathOf(lab)}/setRole?api-version=2025-01-01`, method: 'POST', body: '{"instanceRole":"Primary","roleChangeType":"Forced"}' }),
    );
    expect([second.status, JSON.parse(second.bodyAsText!).error.code]).toEqual([409, 'AnotherOperationInProgress']);
    expect(await roles()).toEqual(['Secondary', 'Primary']);

    now += 30_000;
    const done = await get(location);
    expect(done.status).toBe(200);
    expect(await roles()).toEqual(['Primary', 'Secondary']);
    expect(JSON.parse((await get(asyncOperation)).bodyAsText!)).toMatchObject({ status: 'Succeeded', endTime: '2025-06-01T08:00:30.000Z' });
  });

  it('refuses the actions on the old api-versions and with bad bodies', async () => {
    lab = await startArmLab();
    const post = async (suffix: string, body: string, apiVersion = '2025-01-01') => {
      const res = await lab.client.sendRequest(
        createPipelineRequest({ url: `${lab.arm.url}${linkPathOf(lab)}${suffix}?api-version=${apiVersion}`, method: 'POST', body }),
      );
      return [res.status, (JSON.parse(res.bodyAsText!) as { error: { code: string } }).error.code];
    };
    expect(await post('/failover', '{"failoverType":"Planned"}', '2021-11-01-preview')).toEqual([400, 'InvalidApiVersionParameter']);
    expect(await post('/failover', '{"failoverType":"Sideways"}')).toEqual([400, 'InvalidParameterValue']);
    expect(await post('/setRole', '{"instanceRole":"Primary"}')).toEqual([400, 'InvalidParameterValue']);
    expect(await post('/failover', '{failoverType: Planned')).toEqual([400, 'InvalidRequestContent']);
    expect(await roles()).toEqual(['Secondary', 'Primary']);
  });

  it('accepts enum values in any case, as ARM does, and answers with the canonical spelling', async () => {
    lab = await startArmLab([seedLink('dag_sales', { replicationMode: 'Sync' })]);
    const result = await action('failover', { failoverType: 'planned' });
    expect(result.status).toBe(200);
    expect(await roles()).toEqual(['Primary', 'Secondary']);
  });
});

function linkPathOf(l: ArmLab): string {
  return `/subscriptions/${l.arm.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Sql/managedInstances/${MI}/distributedAvailabilityGroups/dag_sales`;
}
