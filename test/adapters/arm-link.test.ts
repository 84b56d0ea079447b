import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { openAzureLink } from '../../src/adapters/arm-link.js';
import { azureCredentialFor, staticTokenCredential } from '../../src/adapters/azure-credential.js';
import { AgmedicError } from '../../src/errors.js';
import type { AzureLink } from '../../src/ports/azure-link.js';
import { Secret } from '../../src/ports/secret.js';
import { ARM_TOKEN, MI, RG, SUBSCRIPTION, TOKEN_ENV, seedLink, startArmLab, type ArmLab } from './helpers/arm-lab.js';

let lab: ArmLab;
afterEach(async () => {
  await lab.stop();
});

const env = { [TOKEN_ENV]: ARM_TOKEN };
const linkPath = (dag: string, suffix = ''): string =>
  `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.Sql/managedInstances/${MI}/distributedAvailabilityGroups/${dag}${suffix}`;

function link(overrides = {}): AzureLink {
  const azure = lab.azure(overrides);
  return openAzureLink('mi', azure, azureCredentialFor(azure, undefined, env), { maxRetries: 0 });
}

async function rejection(p: Promise<unknown>): Promise<AgmedicError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AgmedicError);
  return err as AgmedicError;
}

describe('openAzureLink against the ARM emulator', () => {
  // domain.md [SPEC]: arm-sql 10 sends 2021-11-01-preview, whose shape has "no `databases[]`, no
  // replicaState, no mostRecentLinkError, no partnerAuthCertValidity"; a check reading those "must call
  // 2025-01-01 (or 2023-08-01) through the client's pipeline".
  it('gets the link at 2025-01-01 by default (not the SDK\'s 2021-11-01-preview) and reports the request it sent', async () => {
    lab = await startArmLab([seedLink('SalesLink')]);
    const azure = link();
    expect(azure.describe()).toBe(`mi (arm: ${RG}/${MI})`);
    const res = await azure.call('get', 'SalesLink');
    expect(res.status).toBe(200);
    expect(res.request).toEqual({ method: 'GET', path: linkPath('SalesLink'), apiVersion: '2025-01-01' });
    expect(res.body).toMatchObject({ name: 'SalesLink', properties: { replicationMode: 'Async', databases: [{ databaseName: 'Sales', replicaState: 'LinkSynchronizing' }] } });
    expect(lab.arm.requests.map((r) => [r.method, r.path, r.apiVersion, r.status])).toEqual([['GET', linkPath('SalesLink'), '2025-01-01', 200]]);
  });

  it('sends the api-version a step names, and gets that version\'s shape', async () => {
    lab = await startArmLab([seedLink('SalesLink')]);
    const res = await link().call('get', 'SalesLink', undefined, { apiVersion: '2021-11-01-preview' });
    expect(res.request.apiVersion).toBe('2021-11-01-preview');
    expect(res.body).toMatchObject({ properties: { primaryAvailabilityGroupName: 'AG_Sales', targetDatabase: 'Sales' } });
    expect((res.body as { properties: object }).properties).not.toHaveProperty('databases');
  });

  it.each(['..', '.', '', 'a/b', 'x%2F..'])('refuses link name %j before sending anything (".." would address the instance itself)', async (name) => {
    lab = await startArmLab([seedLink('SalesLink')]);
    const err = await rejection(link().call('delete', name));
    expect(err.code).toBe('AZURE_ERROR');
    expect(lab.arm.requests).toEqual([]);
  });

  it('gets the 2025-01-01 shape through the same client pipeline when asked', async () => {
    lab = await startArmLab([seedLink('SalesLink')]);
    const res = await link().call('get', 'SalesLink', undefined, { apiVersion: '2025-01-01' });
    expect(res.request).toEqual({ method: 'GET', path: linkPath('SalesLink'), apiVersion: '2025-01-01' });
    expect(res.body).toMatchObject({ properties: { instanceLinkRole: 'Secondary', partnerLinkRole: 'Primary', databases: [{ databaseName: 'Sales' }] } });
  });

  it('updates through the long-running PATCH and returns the changed resource', async () => {
    lab = await startArmLab([seedLink('SalesLink')]);
    const res = await link().call('update', 'SalesLink', { properties: { replicationMode: 'Sync' } });
    expect(res.status).toBe(200);
    expect(res.request).toMatchObject({ method: 'PATCH', path: linkPath('SalesLink') });
    expect(res.body).toMatchObject({ properties: { replicationMode: 'Sync' } });
    expect((await lab.backend.getLink(MI, 'SalesLink'))!.replicationMode).toBe('Sync');
    expect(lab.arm.requests[0]).toMatchObject({ method: 'PATCH', status: 202, body: { properties: { replicationMode: 'Sync' } } });
    expect(lab.arm.requests.length).toBeGreaterThan(1); // it polled
  });

  it('fails over with POST …/failover, polling Azure-AsyncOperation and honouring Retry-After', async () => {
    lab = await startArmLab([seedLink('SalesLink', { replicationMode: 'Sync' })], { operationDelayMs: 1000 });
    const started = Date.now();
    const res = await link().call('failover', 'SalesLink', { failoverType: 'Planned' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(res).toMatchObject({ status: 200, request: { method: 'POST', path: linkPath('SalesLink', '/failover'), apiVersion: '2025-01-01' } });
    expect(res.body).toMatchObject({ properties: { instanceLinkRole: 'Primary', partnerLinkRole: 'Secondary' } });
    const [post, ...polls] = lab.arm.requests;
    expect(post).toMatchObject({ method: 'POST', status: 202, body: { failoverType: 'Planned' }, apiVersion: '2025-01-01' });
    expect(polls.some((r) => /AzureAsyncOperation/.test(r.path))).toBe(true);
    // One wait of Retry-After (1 s), not a busy loop.
    expect(polls.length).toBeLessThanOrEqual(3);
  });

  it('sets the role with POST …/setRole', async () => {
    lab = await startArmLab([seedLink('SalesLink')]);
    const res = await link().call('setRole', 'SalesLink', { instanceRole: 'Primary', roleChangeType: 'Forced' });
    expect(res.request.path).toBe(linkPath('SalesLink', '/setRole'));
    expect(res.body).toMatchObject({ properties: { instanceLinkRole: 'Primary', partnerLinkRole: 'Primary' } });
    expect((await lab.backend.getLink(MI, 'SalesLink'))!.instanceLinkRole).toBe('Primary');
  });

  it('deletes through the long-running DELETE', async () => {
    lab = await startArmLab([seedLink('SalesLink')]);
    const res = await link().call('delete', 'SalesLink');
    expect(res.status).toBeOneOf([200, 204]);
    expect(res.body).toBeUndefined();
    expect(res.request).toMatchObject({ method: 'DELETE', path: linkPath('SalesLink') });
    expect(await lab.backend.getLink(MI, 'SalesLink')).toBeUndefined();
  });

  it('a refused operation is AZURE_ERROR with the status and ARM error code of its outcome', async () => {
    lab = await startArmLab([seedLink('SalesLink')]);
    const planned = await rejection(link().call('failover', 'SalesLink', { failoverType: 'Planned' }));
    expect(planned.code).toBe('AZURE_ERROR');
    expect(planned.details).toMatchObject({ status: 409, armCode: 'DistributedAvailabilityGroupFailoverSecondariesNotSynchronizing', op: 'failover', link: 'SalesLink' });
    const missing = await rejection(link().call('get', 'NoSuchLink'));
    expect(missing.details).toMatchObject({ status: 404, armCode: 'ResourceNotFound' });
    const badBody = await rejection(link().call('setRole', 'SalesLink', { instanceRole: 'Boss' }));
    expect(badBody.details).toMatchObject({ status: 400 });
  });

  it('a wrong token is AZURE_ERROR 401 and no token appears anywhere in the error', async () => {
    lab = await startArmLab([seedLink('SalesLink')]);
    const wrong = `${ARM_TOKEN}-wrong`;
    const azure = openAzureLink('mi', lab.azure(), staticTokenCredential(new Secret(wrong)), { maxRetries: 0 });
    for (const op of ['get', 'failover'] as const) {
      const err = await rejection(azure.call(op, 'SalesLink', { failoverType: 'Planned' }));
      expect(err.details).toMatchObject({ status: 401, armCode: 'AuthenticationFailed' });
      const all = `${err.message}\n${JSON.stringify(err.details)}\n${inspect(err, { depth: 10 })}`;
      expect(all).not.toContain(ARM_TOKEN);
    }
  });

  it('stops polling at once when the signal aborts', async () => {
    lab = await startArmLab([seedLink('SalesLink', { replicationMode: 'Sync' })], { operationDelayMs: 10_000 });
    const ac = new AbortController();
    const started = Date.now();
    const pending = rejection(link().call('failover', 'SalesLink', { failoverType: 'Planned' }, { signal: ac.signal }));
    await expect.poll(() => lab.arm.requests.length).toBeGreaterThanOrEqual(1);
    ac.abort();
    expect((await pending).code).toBe('CANCELLED');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('refuses an endpoint whose certificate it does not trust', async () => {
    lab = await startArmLab([seedLink('SalesLink')]);
    const err = await rejection(link({ caFile: undefined }).call('get', 'SalesLink'));
    expect(err.code).toBe('AZURE_ERROR');
    expect(err.message).toMatch(/certificate|self.signed|UNABLE_TO_VERIFY/i);
  });

  it('a lab token variable that is not set is SECRET_MISSING naming it', () => {
    expect(() => azureCredentialFor({ subscriptionId: 's', resourceGroup: 'r', instance: 'i', tokenEnv: 'NOPE_TOKEN' }, undefined, {})).toThrow(
      expect.objectContaining({ code: 'SECRET_MISSING', details: { variable: 'NOPE_TOKEN' } }),
    );
  });
});
