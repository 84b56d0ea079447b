/**
 * How the runtime's adapter is expected to call what `@azure/arm-sql` 10 does not know (the
 * 2025-01-01 `failover` and `setRole` actions): through the SqlManagementClient's own pipeline, so its
 * credential, TLS and retry policies apply, then following `Location` until the operation is done.
 * A reference for the adapter's author; only tests use it here.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { SqlManagementClient } from '@azure/arm-sql';
import { createHttpHeaders, createPipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';

export interface LinkActionRequest {
  /** The ARM endpoint the client was built with (e.g. https://management.azure.com). */
  endpoint: string;
  resourceGroup: string;
  managedInstance: string;
  link: string;
  action: 'failover' | 'setRole';
  body: Record<string, string>;
  apiVersion?: string;
  /** Floor between polls when Retry-After says 0. */
  pollIntervalMs?: number;
  maxPolls?: number;
  abortSignal?: AbortSignal;
}

export interface LinkActionResult {
  /** Final HTTP status: 200 with the resource, or an error status. */
  status: number;
  body: unknown;
  /** Every response, initial one first. */
  statuses: number[];
}

export async function sendLinkAction(client: SqlManagementClient, req: LinkActionRequest): Promise<LinkActionResult> {
  const path =
    `/subscriptions/${encodeURIComponent(client.subscriptionId)}/resourceGroups/${encodeURIComponent(req.resourceGroup)}` +
    `/providers/Microsoft.Sql/managedInstances/${encodeURIComponent(req.managedInstance)}` +
    `/distributedAvailabilityGroups/${encodeURIComponent(req.link)}/${req.action}`;
  const url = `${req.endpoint.replace(/\/$/, '')}${path}?api-version=${req.apiVersion ?? '2025-01-01'}`;
  const statuses: number[] = [];
  let response = await client.sendRequest(
    createPipelineRequest({
      url,
      method: 'POST',
      body: JSON.stringify(req.body),
      headers: createHttpHeaders({ 'content-type': 'application/json' }),
      abortSignal: req.abortSignal,
    }),
  );
  statuses.push(response.status);
  for (let polls = 0; response.status === 202; polls++) {
    const location = response.headers.get('location');
    if (location === undefined) throw new Error(`${req.action}: 202 without a Location header`);
    if (polls >= (req.maxPolls ?? 60)) throw new Error(`${req.action}: still running after ${polls} polls`);
    await sleep(Math.max(Number(response.headers.get('retry-after') ?? '0') * 1000, req.pollIntervalMs ?? 50), undefined, { signal: req.abortSignal });
    response = await client.sendRequest(createPipelineRequest({ url: location, method: 'GET', abortSignal: req.abortSignal }));
    statuses.push(response.status);
  }
  return { status: response.status, body: parseBody(response), statuses };
}

function parseBody(response: PipelineResponse): unknown {
  return response.bodyAsText ? (JSON.parse(response.bodyAsText) as unknown) : undefined;
}
