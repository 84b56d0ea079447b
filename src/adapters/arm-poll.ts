import { setTimeout as sleep } from 'node:timers/promises';
import { createHttpHeaders, createPipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import type { SqlManagementClient } from '@azure/arm-sql';
import { AgmedicError } from '../errors.js';
import type { AzureOperationHandle } from '../ports/azure-link.js';

/** ARM's advice when a 202 carries no Retry-After. */
const DEFAULT_POLL_MS = 2_000;
/** A misbehaving Retry-After must not park a run for an hour. */
const MAX_POLL_MS = 60_000;

export interface ArmErrorContext {
  role: string;
  op: string;
  link: string;
}

export type ArmMethod = 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE';

/**
 * Sends one request through the client's own pipeline, so its credential, retry and TLS policies apply.
 *
 * @example
 * const res = await send(client, 'POST', `${endpoint}${path}/failover?api-version=2025-01-01`, { failoverType: 'Planned' });
 */
export async function send(client: SqlManagementClient, method: ArmMethod, url: string, body: unknown, signal?: AbortSignal): Promise<PipelineResponse> {
  const headers = createHttpHeaders({ accept: 'application/json' });
  if (body !== undefined) headers.set('content-type', 'application/json');
  const request = createPipelineRequest({ url, method, headers, ...(signal ? { abortSignal: signal } : {}) });
  if (body !== undefined) request.body = JSON.stringify(body);
  return client.sendRequest(request);
}

/**
 * The JSON body of a response, the raw text when it is not JSON, undefined when empty.
 *
 * @example
 * const doc = parseBody(res) as { status?: string };
 */
export function parseBody(res: PipelineResponse): unknown {
  const text = res.bodyAsText;
  if (text === undefined || text === null || text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * ARM error bodies are `{ error: { code, message } }`; status alone when the body says nothing.
 *
 * @example
 * throw armFailure({ role: 'mi', op: 'failover', link: 'SalesLink' }, 409, parseBody(res));
 */
export function armFailure(ctx: ArmErrorContext, status: number, body: unknown): AgmedicError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const armCode = typeof error?.code === 'string' ? error.code : undefined;
  const armMessage = typeof error?.message === 'string' ? error.message : undefined;
  const what = [status > 0 ? String(status) : undefined, armCode, armMessage].filter(Boolean).join(' ');
  return new AgmedicError('AZURE_ERROR', `${ctx.role}: ${ctx.op} of link ${ctx.link} failed: ${what || 'no details'}`, {
    details: { role: ctx.role, op: ctx.op, link: ctx.link, status, armCode, armMessage },
  });
}

/**
 * Retry-After in seconds or as an HTTP date, within [0, MAX_POLL_MS].
 *
 * @example
 * await sleep(retryAfterMs(res), undefined, { signal });
 */
export function retryAfterMs(res: PipelineResponse, fallback = DEFAULT_POLL_MS): number {
  const header = res.headers.get('retry-after');
  if (header === undefined) return fallback;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_POLL_MS) : fallback;
}

/**
 * The polling URLs of a response that started a long-running operation (202, or 201 with
 * `Azure-AsyncOperation`); undefined when the response is already the outcome.
 *
 * @example
 * const handle = handleOf(first); // { locationUrl: 'https://…/operationResults/…' }
 */
export function handleOf(first: PipelineResponse): AzureOperationHandle | undefined {
  const asyncUrl = first.headers.get('azure-asyncoperation');
  const location = first.headers.get('location');
  if (first.status !== 202 && !(first.status === 201 && asyncUrl !== undefined)) return undefined;
  return { ...(asyncUrl === undefined ? {} : { asyncOperationUrl: asyncUrl }), ...(location === undefined ? {} : { locationUrl: location }) };
}

/**
 * Follows a long-running operation to its end: `Azure-AsyncOperation` (status document) first,
 * then `Location` for the result, as ARM's async pattern prescribes; with `Location` alone (all the
 * spec declares for the link: `final-state-via: location`) it polls until that stops answering 202.
 * `first` is the response that started it (its Retry-After sets the first wait); without it (resume
 * after a crash) the first poll goes out at once. Waits stop at once when `signal` aborts.
 *
 * @example
 * const final = await pollOperation(client, { locationUrl }, undefined, ctx, signal);
 */
export async function pollOperation(
  client: SqlManagementClient,
  handle: AzureOperationHandle,
  first: PipelineResponse | undefined,
  ctx: ArmErrorContext,
  signal?: AbortSignal,
  fallbackMs = DEFAULT_POLL_MS,
): Promise<PipelineResponse> {
  const { asyncOperationUrl: asyncUrl, locationUrl: location } = handle;
  const wait = (after: PipelineResponse | undefined) => (after === undefined ? Promise.resolve() : sleep(retryAfterMs(after, fallbackMs), undefined, signal ? { signal } : undefined));
  let last = first;
  if (asyncUrl !== undefined) {
    for (;;) {
      await wait(last);
      last = await send(client, 'GET', asyncUrl, undefined, signal);
      const doc = parseBody(last) as { status?: string } | undefined;
      if (last.status >= 400) throw armFailure(ctx, last.status, doc);
      const status = doc?.status?.toLowerCase();
      if (status === 'succeeded') break;
      if (status === 'failed' || status === 'canceled' || status === 'cancelled') {
        // The status document answers 200 even for a failure; Location carries the real status.
        const result = location === undefined ? undefined : await send(client, 'GET', location, undefined, signal);
        throw result !== undefined && result.status >= 400 ? armFailure(ctx, result.status, parseBody(result)) : armFailure(ctx, last.status, doc);
      }
    }
    if (location === undefined) return last;
    last = await send(client, 'GET', location, undefined, signal);
    if (last.status >= 400) throw armFailure(ctx, last.status, parseBody(last));
    return last;
  }
  if (location === undefined) throw armFailure(ctx, first?.status ?? 0, { error: { code: 'NoPollingHeader', message: '202 without Location or Azure-AsyncOperation' } });
  do {
    await wait(last);
    last = await send(client, 'GET', location, undefined, signal);
  } while (last.status === 202);
  if (last.status >= 400) throw armFailure(ctx, last.status, parseBody(last));
  return last;
}
