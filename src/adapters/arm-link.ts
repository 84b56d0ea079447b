import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { SqlManagementClient } from '@azure/arm-sql';
import type { TokenCredential } from '@azure/identity';
import { AgmedicError } from '../errors.js';
import type { AzureApiVersion, AzureCallOptions, AzureCallResult, AzureLink, AzureLinkOperation, AzureOperationHandle, AzureTargetConfig } from '../ports/azure-link.js';
import { armFailure, handleOf, parseBody, pollOperation, send, type ArmErrorContext, type ArmMethod } from './arm-poll.js';

/**
 * The newest stable api-version (azure-rest-api-specs, stable/2025-01-01): the link's roles,
 * databases[] (replicaState, mostRecentLinkError, partnerAuthCertValidity), failover and setRole.
 * `@azure/arm-sql` 10 would send 2021-11-01-preview, which has none of these, so every call goes
 * through the client's pipeline with this version unless a step asks for another.
 */
export const CURRENT_LINK_API_VERSION: AzureApiVersion = '2025-01-01';
const DEFAULT_ENDPOINT = 'https://management.azure.com';

export interface OpenAzureLinkOptions {
  /** Poll interval when a 202 has no Retry-After (default 2000 ms). */
  defaultPollMs?: number;
  /** SDK retries of throttled/5xx requests (default the SDK's, 3). */
  maxRetries?: number;
}

/** How each operation is sent: method, where (relative to the instance), whether it carries a body. */
const ROUTES: Record<AzureLinkOperation, { method: ArmMethod; path: (name: string) => string; body: boolean }> = {
  get: { method: 'GET', path: (n) => `/distributedAvailabilityGroups/${seg(n)}`, body: false },
  update: { method: 'PATCH', path: (n) => `/distributedAvailabilityGroups/${seg(n)}`, body: true },
  delete: { method: 'DELETE', path: (n) => `/distributedAvailabilityGroups/${seg(n)}`, body: false },
  failover: { method: 'POST', path: (n) => `/distributedAvailabilityGroups/${seg(n)}/failover`, body: true },
  setRole: { method: 'POST', path: (n) => `/distributedAvailabilityGroups/${seg(n)}/setRole`, body: true },
  getInstance: { method: 'GET', path: () => '', body: false },
  listTrustCertificates: { method: 'GET', path: () => '/serverTrustCertificates', body: false },
  getTrustCertificate: { method: 'GET', path: (n) => `/serverTrustCertificates/${seg(n)}`, body: false },
  putTrustCertificate: { method: 'PUT', path: (n) => `/serverTrustCertificates/${seg(n)}`, body: true },
  deleteTrustCertificate: { method: 'DELETE', path: (n) => `/serverTrustCertificates/${seg(n)}`, body: false },
};

/** Operations whose `name` is unused (they act on the instance or a collection of it). */
const UNNAMED: ReadonlySet<AzureLinkOperation> = new Set(['getInstance', 'listTrustCertificates']);

function seg(name: string): string {
  return encodeURIComponent(name);
}

/**
 * The Managed Instance's link resource, the instance itself and its server trust certificates,
 * through `@azure/arm-sql`'s `SqlManagementClient` pipeline (`sendRequest`), so its credential,
 * retry and TLS policies apply while the api-version is ours (2025-01-01 by default). Long-running
 * operations are polled to the end; ARM's JSON (`{ id, name, properties: {…} }`) is returned as sent.
 *
 * @example
 * const link = openAzureLink('mi', target.azure!, azureCredentialFor(target.azure!, target.auth));
 * const res = await link.call('setRole', 'SalesLink', { instanceRole: 'Primary', roleChangeType: 'Forced' });
 * const mi = await link.call('getInstance', '');
 * (mi.body as { properties: { databaseFormat?: string } }).properties.databaseFormat;
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

  private instancePath(): string {
    return `/subscriptions/${seg(this.azure.subscriptionId)}/resourceGroups/${seg(this.azure.resourceGroup)}/providers/Microsoft.Sql/managedInstances/${seg(this.azure.instance)}`;
  }

  async call(op: AzureLinkOperation, name: string, body?: unknown, opts: AzureCallOptions = {}): Promise<AzureCallResult> {
    const route = ROUTES[op];
    if (route === undefined) throw new AgmedicError('BAD_AZURE_OPERATION', `${this.role}: unknown Azure operation "${String(op)}"; nothing was sent`, { details: { role: this.role, op } });
    const ctx: ArmErrorContext = { role: this.role, op, link: UNNAMED.has(op) ? this.azure.instance : name };
    // `..` survives encodeURIComponent and URL resolution drops a segment with it: a delete of link
    // ".." would be sent to the managed instance itself. ARM names never contain these.
    if (!UNNAMED.has(op) && (name === '' || name === '.' || name === '..' || /[/\\?#%]/.test(name))) {
      throw new AgmedicError('AZURE_ERROR', `${this.role}: "${name}" cannot be an ARM resource name (empty, ".", "..", or containing / \\ ? # %); nothing was sent`, { details: { role: this.role, op } });
    }
    const started = performance.now();
    const apiVersion = opts.apiVersion ?? CURRENT_LINK_API_VERSION;
    const path = `${this.instancePath()}${route.path(name)}`;
    const request = { method: route.method, path, apiVersion };
    try {
      const first = await send(this.client, route.method, `${this.endpoint}${path}?api-version=${apiVersion}`, route.body ? (body ?? {}) : undefined, opts.signal);
      if (first.status >= 400) throw armFailure(ctx, first.status, parseBody(first));
      const handle = handleOf(first);
      if (handle === undefined) return { status: first.status, body: bodyOf(route.method, first.status, parseBody(first)), durationMs: performance.now() - started, request };
      // Persisted before the first poll: from here on a crash is settled by polling, not by sending again.
      await opts.onAccepted?.(handle);
      const last = await pollOperation(this.client, handle, first, ctx, opts.signal, this.defaultPollMs);
      return { status: last.status, body: bodyOf(route.method, last.status, parseBody(last)), durationMs: performance.now() - started, request, operation: handle };
    } catch (err) {
      throw toAzureError(err, ctx, opts.signal);
    }
  }

  async poll(handle: AzureOperationHandle, opts: { signal?: AbortSignal } = {}): Promise<AzureCallResult> {
    const ctx: ArmErrorContext = { role: this.role, op: 'poll', link: this.azure.instance };
    const url = handle.asyncOperationUrl ?? handle.locationUrl;
    if (url === undefined) throw new AgmedicError('AZURE_ERROR', `${this.role}: an Azure operation without a polling URL cannot be followed`, { details: { role: this.role } });
    // Only our own ARM endpoint: a journal edited to point elsewhere must not receive our token.
    if (!sameOrigin(url, this.endpoint) || (handle.locationUrl !== undefined && !sameOrigin(handle.locationUrl, this.endpoint))) {
      throw new AgmedicError('AZURE_ERROR', `${this.role}: the operation URL is not on ${new URL(this.endpoint).origin}; not following it`, { details: { role: this.role } });
    }
    const started = performance.now();
    try {
      const last = await pollOperation(this.client, handle, undefined, ctx, opts.signal, this.defaultPollMs);
      const u = new URL(url);
      return { status: last.status, body: parseBody(last), durationMs: performance.now() - started, request: { method: 'GET', path: u.pathname, apiVersion: u.searchParams.get('api-version') ?? '' }, operation: handle };
    } catch (err) {
      throw toAzureError(err, ctx, opts.signal);
    }
  }
}

function sameOrigin(url: string, endpoint: string): boolean {
  try {
    return new URL(url).origin === new URL(endpoint).origin;
  } catch {
    return false;
  }
}

/** A delete has no resource to return; a status document (`{ status: 'Succeeded' }`) is not the resource either. */
function bodyOf(method: ArmMethod, status: number, body: unknown): unknown {
  if (method === 'DELETE' || status === 204) return undefined;
  return body;
}

function toAzureError(err: unknown, ctx: ArmErrorContext, signal?: AbortSignal): AgmedicError {
  if (signal?.aborted || (err as { name?: string } | undefined)?.name === 'AbortError') {
    return new AgmedicError('CANCELLED', `${ctx.role}: ${ctx.op} of ${ctx.link} cancelled (an operation already accepted by Azure goes on)`, {
      details: { role: ctx.role, op: ctx.op, link: ctx.link },
    });
  }
  if (err instanceof AgmedicError) return err;
  const e = err as { statusCode?: number; code?: string; message?: string; response?: { bodyAsText?: string | null } };
  let body: unknown;
  try {
    body = e?.response?.bodyAsText ? JSON.parse(e.response.bodyAsText) : undefined;
  } catch {
    body = undefined;
  }
  if (body === undefined && e?.code !== undefined) body = { error: { code: e.code, message: e.message?.split('\n')[0] } };
  return armFailure(ctx, e?.statusCode ?? 0, body);
}
