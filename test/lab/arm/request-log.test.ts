import { afterEach, describe, expect, it } from 'vitest';
import { LAB_TOKEN, linkPath, MI, rawRequest, RG, startArmLab, type ArmLab } from './harness.js';

let lab: ArmLab;
afterEach(async () => {
  await lab.stop();
});

describe('request log', () => {
  it('records method, path, api-version, status, body and error code of every request, in order', async () => {
    let now = 1_000;
    lab = await startArmLab(undefined, { clock: { now: () => (now += 10) } });
    await lab.client.distributedAvailabilityGroups.get(RG, MI, 'dag_sales');
    await lab.client.distributedAvailabilityGroups.beginUpdateAndWait(RG, MI, 'dag_sales', { replicationMode: 'Sync' });
    await rawRequest(lab.arm, lab.pems.ca, 'GET', `${linkPath('dag_sales')}?api-version=2025-01-01`, { token: 'wrong' });

    const log = lab.arm.requests;
    expect(log.map((r) => [r.method, r.status, r.apiVersion])).toEqual([
      ['GET', 200, '2021-11-01-preview'],
      ['PATCH', 202, '2021-11-01-preview'],
      ['GET', 200, '2021-11-01-preview'],
      ['GET', 200, '2021-11-01-preview'],
      ['GET', 401, '2025-01-01'],
    ]);
    expect(log[0]!.path).toBe(linkPath('dag_sales'));
    expect(log[1]!.body).toEqual({ properties: { replicationMode: 'Sync' } });
    expect(log[4]!.errorCode).toBe('AuthenticationFailed');
    expect(log.every((r, i) => i === 0 || r.at > log[i - 1]!.at)).toBe(true);
  });

  it('never holds the token, and can be cleared', async () => {
    lab = await startArmLab();
    await lab.client.distributedAvailabilityGroups.beginDeleteAndWait(RG, MI, 'dag_sales');
    expect(lab.arm.requests.length).toBeGreaterThan(0);
    expect(JSON.stringify(lab.arm.requests)).not.toContain(LAB_TOKEN);
    lab.arm.clearRequests();
    expect(lab.arm.requests).toEqual([]);
  });
});
