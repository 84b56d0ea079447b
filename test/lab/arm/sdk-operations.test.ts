import { afterEach, describe, expect, it } from 'vitest';
import { MI, RG, restError, seedLink, startArmLab, type ArmLab } from './harness.js';

let lab: ArmLab;
afterEach(async () => {
  await lab.stop();
});

describe('@azure/arm-sql 10 against the emulator', () => {
  it('gets a link in the old shape, with the api-version the SDK really sends', async () => {
    lab = await startArmLab();
    const dag = await lab.client.distributedAvailabilityGroups.get(RG, MI, 'dag_sales');
    expect(dag).toEqual({
      id: `/subscriptions/${lab.arm.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Sql/managedInstances/${MI}/distributedAvailabilityGroups/dag_sales`,
      name: 'dag_sales',
      type: 'Microsoft.Sql/managedInstances/distributedAvailabilityGroups',
      targetDatabase: 'sales',
      sourceEndpoint: 'TCP://sql-lab.contoso.local:5022',
      primaryAvailabilityGroupName: 'ag_sql',
      secondaryAvailabilityGroupName: 'ag_mi',
      replicationMode: 'Async',
      distributedAvailabilityGroupId: '6a3c1f0e-8d57-4c6b-9a2e-0b1d2c3e4f50',
      sourceReplicaId: 'bbbbbbbb-0000-0000-0000-000000000002',
      targetReplicaId: 'aaaaaaaa-0000-0000-0000-000000000001',
      linkState: 'LinkSynchronizing',
      lastHardenedLsn: '42000000012345600001',
    });
    expect(lab.arm.requests.map((r) => [r.method, r.apiVersion, r.status])).toEqual([['GET', '2021-11-01-preview', 200]]);
  });

  it('lists every link across pages by following nextLink', async () => {
    lab = await startArmLab([seedLink('dag_c'), seedLink('dag_a'), seedLink('dag_b')], { pageSize: 2 });
    const names: string[] = [];
    for await (const dag of lab.client.distributedAvailabilityGroups.listByInstance(RG, MI)) names.push(dag.name!);
    expect(names).toEqual(['dag_a', 'dag_b', 'dag_c']);
    expect(lab.arm.requests).toHaveLength(2);
    expect(lab.arm.requests[1]).toMatchObject({ method: 'GET', status: 200, apiVersion: '2021-11-01-preview' });
  });

  it('creates a link through the long-running PUT and the poller follows it to the resource', async () => {
    lab = await startArmLab([]);
    const created = await lab.client.distributedAvailabilityGroups.beginCreateOrUpdateAndWait(RG, MI, 'dag_new', {
      targetDatabase: 'orders',
      sourceEndpoint: 'TCP://sql-lab:5022',
      primaryAvailabilityGroupName: 'ag_sql',
      secondaryAvailabilityGroupName: 'ag_mi',
      replicationMode: 'Async',
    });
    expect(created).toMatchObject({ name: 'dag_new', targetDatabase: 'orders', primaryAvailabilityGroupName: 'ag_sql', linkState: 'LinkSynchronizing' });
    expect(await lab.backend.getLink(MI, 'dag_new')).toMatchObject({ instanceLinkRole: 'Secondary', databases: [{ databaseName: 'orders' }] });
    const [put, ...polls] = lab.arm.requests;
    expect(put).toMatchObject({ method: 'PUT', status: 202, body: { properties: { targetDatabase: 'orders' } } });
    expect(polls.map((r) => r.status)).toEqual([200, 200]); // the operation status, then the resource
    expect(polls[0]!.path).toMatch(/\/locations\/westeurope\/distributedAvailabilityGroupsAzureAsyncOperation\/[0-9a-f-]{36}$/);
  });

  it('makes the poller wait out an operation that takes time, honouring Retry-After', async () => {
    lab = await startArmLab([], { operationDelayMs: 300 });
    const poller = await lab.client.distributedAvailabilityGroups.beginCreateOrUpdate(RG, MI, 'dag_slow', {
      targetDatabase: 'orders',
      sourceEndpoint: 'TCP://sql-lab:5022',
      primaryAvailabilityGroupName: 'ag_sql',
      secondaryAvailabilityGroupName: 'ag_mi',
    });
    // begin* already polled once: still running, so nothing has reached the backend.
    expect(poller.isDone()).toBe(false);
    expect(await lab.backend.getLink(MI, 'dag_slow')).toBeUndefined();
    expect(lab.arm.requests.at(-1)).toMatchObject({ method: 'GET', status: 200 });
    const started = Date.now();
    expect((await poller.pollUntilDone()).name).toBe('dag_slow');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900); // Retry-After: 1
    expect(await lab.backend.getLink(MI, 'dag_slow')).toBeDefined();
  });

  it('refuses a PUT missing required properties with 400 before starting anything', async () => {
    lab = await startArmLab([]);
    const err = await restError(
      lab.client.distributedAvailabilityGroups.beginCreateOrUpdateAndWait(RG, MI, 'dag_x', { targetDatabase: 'orders' }),
    );
    expect([err.statusCode, err.code]).toEqual([400, 'InvalidParameterValue']);
    expect(await lab.backend.getLink(MI, 'dag_x')).toBeUndefined();
  });

  it('fails the operation when the backend refuses the change (PUT changing what the link connects)', async () => {
    lab = await startArmLab();
    const err = await lab.client.distributedAvailabilityGroups
      .beginCreateOrUpdateAndWait(RG, MI, 'dag_sales', {
        targetDatabase: 'sales',
        sourceEndpoint: 'TCP://elsewhere:5022',
        primaryAvailabilityGroupName: 'ag_sql',
        secondaryAvailabilityGroupName: 'ag_mi',
      })
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(err?.message).toContain('PropertyChangeNotSupported');
    expect((await lab.backend.getLink(MI, 'dag_sales'))?.partnerEndpoint).toBe('TCP://sql-lab.contoso.local:5022');
  });

  it('updates the replication mode through the long-running PATCH', async () => {
    lab = await startArmLab();
    const updated = await lab.client.distributedAvailabilityGroups.beginUpdateAndWait(RG, MI, 'dag_sales', { replicationMode: 'Sync' });
    expect(updated.replicationMode).toBe('Sync');
    expect((await lab.backend.getLink(MI, 'dag_sales'))?.replicationMode).toBe('Sync');
    expect(lab.arm.requests[0]).toMatchObject({ method: 'PATCH', status: 202, body: { properties: { replicationMode: 'Sync' } } });
    // PATCH's final result comes from the Location URL, not the resource path.
    expect(lab.arm.requests.at(-1)!.path).toContain('/distributedAvailabilityGroupsOperationResults/');
  });

  it('deletes through the long-running DELETE, and deleting again is a no-op 204', async () => {
    lab = await startArmLab();
    await lab.client.distributedAvailabilityGroups.beginDeleteAndWait(RG, MI, 'dag_sales');
    expect(await lab.backend.getLink(MI, 'dag_sales')).toBeUndefined();
    expect(lab.arm.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['DELETE 202', 'GET 200']);
    await lab.client.distributedAvailabilityGroups.beginDeleteAndWait(RG, MI, 'dag_sales');
    expect(lab.arm.requests.at(-1)).toMatchObject({ method: 'DELETE', status: 204 });
  });

  it('answers 404 ResourceNotFound for an unknown link', async () => {
    lab = await startArmLab();
    const err = await restError(lab.client.distributedAvailabilityGroups.get(RG, MI, 'dag_nope'));
    expect([err.statusCode, err.code]).toEqual([404, 'ResourceNotFound']);
  });

  it('answers 404 for another resource group or managed instance', async () => {
    lab = await startArmLab();
    const rg = await restError(lab.client.distributedAvailabilityGroups.get('other-rg', MI, 'dag_sales'));
    const mi = await restError(lab.client.distributedAvailabilityGroups.get(RG, 'other-mi', 'dag_sales'));
    expect([rg.code, mi.code]).toEqual(['ResourceGroupNotFound', 'ParentResourceNotFound']);
  });
});
