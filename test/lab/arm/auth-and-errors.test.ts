import { SqlManagementClient } from '@azure/arm-sql';
import { createPipelineRequest, type HttpMethods } from '@azure/core-rest-pipeline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startArmEmulator } from '../../../src/lab/arm/index.js';
import { armClient, ARM_SCOPE, LAB_TOKEN, linkPath, MI, rawRequest, RG, restError, staticCredential, startArmLab, type ArmLab } from './harness.js';

let lab: ArmLab;
beforeAll(async () => {
  lab = await startArmLab();
});
afterAll(async () => {
  await lab.stop();
});

const errorCode = (body: unknown): string | undefined => (body as { error?: { code?: string } } | undefined)?.error?.code;

describe('authentication', () => {
  it('answers 401 AuthenticationFailed with a Bearer challenge when no token is sent', async () => {
    const res = await rawRequest(lab.arm, lab.pems.ca, 'GET', `${linkPath('dag_sales')}?api-version=2025-01-01`);
    expect([res.status, errorCode(res.body)]).toEqual([401, 'AuthenticationFailed']);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer authorization_uri="[^"]+", error="invalid_token"/);
  });

  it('answers 401 to the real client holding a wrong token, and 200 with the right one', async () => {
    const wrong = await restError(armClient(lab.arm, lab.pems.ca, 'not-the-lab-token').distributedAvailabilityGroups.get(RG, MI, 'dag_sales'));
    expect([wrong.statusCode, wrong.code]).toEqual([401, 'AuthenticationFailed']);
    expect((await lab.client.distributedAvailabilityGroups.get(RG, MI, 'dag_sales')).name).toBe('dag_sales');
  });

  it('asks the credential for the ARM scope the client was given', async () => {
    const credential = staticCredential(LAB_TOKEN);
    const client = new SqlManagementClient(credential, lab.arm.subscriptionId, { endpoint: lab.arm.url, credentialScopes: [ARM_SCOPE], tlsOptions: { ca: lab.pems.ca } });
    await client.distributedAvailabilityGroups.get(RG, MI, 'dag_sales');
    expect(credential.scopes).toEqual([[ARM_SCOPE]]);
  });

  it('is really TLS: a client that does not trust the lab CA cannot connect', async () => {
    const err = await armClient(lab.arm, undefined)
      .distributedAvailabilityGroups.get(RG, MI, 'dag_sales')
      .then(
        () => undefined,
        (e: unknown) => e as { code?: string },
      );
    expect(err?.code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/);
  });

  it('refuses to start without a token', async () => {
    await expect(startArmEmulator({ backend: lab.backend, token: '', tls: lab.pems })).rejects.toMatchObject({ code: 'LAB_ARM' });
  });
});

describe('request errors', () => {
  const send = async (path: string, method: HttpMethods = 'GET') => {
    const res = await lab.client.sendRequest(createPipelineRequest({ url: `${lab.arm.url}${path}`, method }));
    return [res.status, errorCode(res.bodyAsText ? JSON.parse(res.bodyAsText) : undefined)];
  };

  it('answers 400 for an unknown or missing api-version', async () => {
    expect(await send(`${linkPath('dag_sales')}?api-version=2099-01-01`)).toEqual([400, 'InvalidApiVersionParameter']);
    expect(await send(linkPath('dag_sales'))).toEqual([400, 'MissingApiVersionParameter']);
  });

  it('answers 404 for another subscription and for paths that are not the link resource', async () => {
    expect(await send(`${linkPath('dag_sales').replace(lab.arm.subscriptionId, '99999999-0000-0000-0000-000000000000')}?api-version=2025-01-01`)).toEqual([
      404,
      'SubscriptionNotFound',
    ]);
    expect(await send(`${linkPath('dag_sales')}/databases?api-version=2025-01-01`)).toEqual([404, 'InvalidResourceType']);
    expect(await send(`/subscriptions/${lab.arm.subscriptionId}/providers/Microsoft.Sql/locations/westeurope/distributedAvailabilityGroupsOperationResults/nope?api-version=2025-01-01`)).toEqual([
      404,
      'ResourceNotFound',
    ]);
  });

  it('matches path segments and names case-insensitively, as ARM does', async () => {
    const shouted = linkPath('DAG_SALES').replace('/resourceGroups/', '/RESOURCEGROUPS/').replace('Microsoft.Sql', 'microsoft.sql').replace(MI, MI.toUpperCase());
    expect(await send(`${shouted}?api-version=2025-01-01`)).toEqual([200, undefined]);
  });

  it('answers 405 for a method the route does not have', async () => {
    expect(await send(`${linkPath('dag_sales')}/failover?api-version=2025-01-01`, 'GET')).toEqual([405, 'MethodNotAllowed']);
  });

  it('answers 400 InvalidRequestContent to a PUT whose body is not JSON', async () => {
    const res = await rawRequest(lab.arm, lab.pems.ca, 'PUT', `${linkPath('dag_x')}?api-version=2025-01-01`, { token: LAB_TOKEN, body: '{"properties":' });
    expect([res.status, errorCode(res.body)]).toEqual([400, 'InvalidRequestContent']);
    expect(await lab.backend.getLink(MI, 'dag_x')).toBeUndefined();
  });
});
