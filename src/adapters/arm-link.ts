import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { SqlManagementClient, type DistributedAvailabilityGroup } from '@azure/arm-sql';
import type { FullOperationResponse } from '@azure/core-client';
import type { TokenCredential } from '@azure/identity';
import { AgmedicError } from '../errors.js';
import type { AzureCallOptions, AzureCallResult, AzureLink, AzureLinkOperation, AzureTargetConfig } from '../ports/azure-link.js';
import { armFailure, parseBody, pollToCompletion, send, type ArmErrorContext } from './arm-poll.js';

/** The stable api-version with failover/setRole and the roles/databases[] shape (arm-sql 10 predates it). */
export const CURRENT_LINK_API_VERSION = '2025-01-01';
const DEFAULT_ENDPOINT = 'https://management.azure.com';

export interface OpenAzureLinkOptions {
  /** Poll interval when a 202 has no Retry-After (default 2000 ms). */
  defaultPollMs?: number;
  /** SDK retries of throttled/5xx requests (default the SDK's, 3). */
  maxRetries?: number;
}

/**
 * The Managed Instance link resource of one target, through `@azure/arm-sql`'s client: `get`,
 * `update`, `delete` with the SDK's operations; `failover`, `setRole` (and any call asking for
 * `apiVersion: '2025-01-01'`) with the same client's pipeline, so one credential, retry and TLS
 * configuration serves both. Long-running operations are polled to the end. `body` in the result
 * is always ARM's JSON (`{ id, name, properties: {…} }`), never the SDK's flattened model.
 *
 * @example
 * const link = openAzureLink('mi', target.azure!, azureCredentialFor(target.azure!, target.auth));
 * const res = await link.call('setRole', 'SalesLink', { instanceRole: 'Primary', roleChangeType: 'Forced' });
 */
export function openAzureLink(role: string, azure: AzureTargetConfig, credential: TokenCredential, opts: OpenAzureLinkOptions = {}): AzureLink {
  const endpoint = (azure.endpoint ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
  let ca: string | undefined;
  if (azure.caFile !== undefined) {
    try {
      ca = readFileSync(azure.caFile, 'utf8');
    } catch (err) {
      throw new AgmedicError('AZURE_ERROR', `${role}: cannot read azure.caFile ${azure.caFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
        details: { role, caFile: azure.caFile },
      });
    }
  }
  const client = new SqlManagementClient(credential, azure.subscriptionId, {
    endpoint,
    // The SDK would derive `${endpoint}/.default`; the origin is the ARM audience of every cloud.
    credentialScopes: [`${new URL(endpoint).origin}/.default`],
    ...(ca === undefined ? {} : { tlsOptions: { ca } }),
    ...(opts.maxRetries === undefined ? {} : { retryOptions: { maxRetries: opts.maxRetries } }),
  });
  return new ArmLink(role, azure, endpoint, client, opts.defaultPollMs);
}

class ArmLink implements AzureLink {
  constructor(
    readonly role: string,
    private readonly azure: AzureTargetConfig,
    private readonly endpoint: string,
    private readonly client: SqlManagementClient,
    private readonly defaultPollMs: number | undefined,
  ) {}

  describe(): string {
    return `${this.role} (arm: ${this.azure.resourceGroup}/${this.azure.instance})`;
  }

  private linkPath(link: string): string {
    const seg = encodeURIComponent;
    return `/subscriptions/${seg(this.azure.subscriptionId)}/resourceGroups/${seg(this.azure.resourceGroup)}/providers/Microsoft.Sql/managedInstances/${seg(this.azure.instance)}/distributedAvailabilityGroups/${seg(link)}`;
  }

  async call(op: AzureLinkOperation, link: string, body?: unknown, opts: AzureCallOptions = {}): Promise<AzureCallResult> {
    const ctx: ArmErrorContext = { role: this.role, op, link };
    // `..` survives encodeURIComponent and URL resolution drops a segment with it: a delete of link
    // ".." would be sent to the managed instance itself. ARM names never contain these.
    if (link === '' || link === '.' || link === '..' || /[/\\?#%]/.test(link)) {
      throw new AgmedicError('AZURE_ERROR', `${this.role}: "${link}" cannot be a link's ARM name (empty, ".", "..", or containing / \\ ? # %); nothing was sent`, { details: { role: this.role, op } });
    }
    const started = performance.now();
    try {
      const viaSdk = opts.apiVersion === undefined && (op === 'get' || op === 'update' || op === 'delete');
      const out = viaSdk ? await this.callSdk(op, link, body, opts.signal) : await this.callPipeline(op, link, body, opts.signal, ctx);
      return { ...out, durationMs: performance.now() - started };
    } catch (err) {
      throw toAzureError(err, ctx, opts.signal);
    }
  }

  private async callSdk(op: AzureLinkOperation, link: string, body: unknown, signal?: AbortSignal): Promise<Omit<AzureCallResult, 'durationMs'>> {
    const { resourceGroup: rg, instance: mi } = this.azure;
    const responses: FullOperationResponse[] = [];
    const options = { abortSignal: signal, onResponse: (raw: FullOperationResponse) => void responses.push(raw) };
    const dags = this.client.distributedAvailabilityGroups;
    // begin* + pollUntilDone rather than begin*AndWait: only pollUntilDone lets the signal cut the waits between polls.
    if (op === 'get') await dags.get(rg, mi, link, options);
    else if (op === 'update') await (await dags.beginUpdate(rg, mi, link, toSdkModel(body), options)).pollUntilDone({ abortSignal: signal });
    else await (await dags.beginDelete(rg, mi, link, options)).pollUntilDone({ abortSignal: signal });
    const first = responses[0];
    const last = responses.at(-1);
    if (!first || !last) throw new AgmedicError('INTERNAL', `${this.role}: the SDK reported no response for ${op}`);
    const url = new URL(first.request.url);
    return {
      status: last.status,
      body: op === 'delete' ? undefined : resourceBody(responses),
      request: { method: first.request.method, path: url.pathname, apiVersion: url.searchParams.get('api-version') ?? '' },
    };
  }

  private async callPipeline(op: AzureLinkOperation, link: string, body: unknown, signal: AbortSignal | undefined, ctx: ArmErrorContext): Promise<Omit<AzureCallResult, 'durationMs'>> {
    const apiVersion = CURRENT_LINK_API_VERSION;
    const method = op === 'get' ? 'GET' : op === 'update' ? 'PATCH' : op === 'delete' ? 'DELETE' : 'POST';
    const path = op === 'failover' || op === 'setRole' ? `${this.linkPath(link)}/${op}` : this.linkPath(link);
    const url = `${this.endpoint}${path}?api-version=${apiVersion}`;
    const first = await send(this.client, method, url, method === 'GET' || method === 'DELETE' ? undefined : (body ?? {}), signal);
    if (first.status >= 400) throw armFailure(ctx, first.status, parseBody(first));
    const last = await pollToCompletion(this.client, first, ctx, signal, this.defaultPollMs);
    return { status: last.status, body: op === 'delete' ? undefined : parseBody(last), request: { method, path, apiVersion } };
  }
}

/** The SDK wants its flattened model; runbooks write ARM's `{ properties: {…} }`. Both are accepted. */
function toSdkModel(body: unknown): DistributedAvailabilityGroup {
  if (typeof body !== 'object' || body === null) return {};
  const props = (body as { properties?: unknown }).properties;
  return (typeof props === 'object' && props !== null ? props : body) as DistributedAvailabilityGroup;
}

/** The last response that carried the resource (an LRO's status documents do not). */
function resourceBody(responses: FullOperationResponse[]): unknown {
  // bodyAsText, not parsedBody: the SDK has already flattened parsedBody into its model.
  const bodies = responses.map((r) => rawJson(r.bodyAsText));
  return bodies.findLast((b) => typeof b === 'object' && b !== null && 'properties' in b) ?? bodies.at(-1);
}

function rawJson(text: string | null | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function toAzureError(err: unknown, ctx: ArmErrorContext, signal?: AbortSignal): AgmedicError {
  if (err instanceof AgmedicError) return err;
  const e = err as { name?: string; statusCode?: number; code?: string; message?: string; response?: { bodyAsText?: string | null } };
  if (signal?.aborted || e?.name === 'AbortError') {
    return new AgmedicError('CANCELLED', `${ctx.role}: ${ctx.op} of link ${ctx.link} cancelled (an operation already accepted by Azure goes on)`, {
      details: { role: ctx.role, op: ctx.op, link: ctx.link },
    });
  }
  let body: unknown;
  try {
    body = e?.response?.bodyAsText ? JSON.parse(e.response.bodyAsText) : undefined;
  } catch {
    body = undefined;
  }
  if (body === undefined && e?.code !== undefined) body = { error: { code: e.code, message: e.message?.split('\n')[0] } };
  return armFailure(ctx, e?.statusCode ?? 0, body);
}
