/**
 * The runtime's view of the Managed Instance link resource in Azure Resource Manager
 * (`Microsoft.Sql/managedInstances/{mi}/distributedAvailabilityGroups/{link}`). Implemented in
 * adapters/arm-link.ts over `@azure/arm-sql`'s client pipeline.
 */

/** The `azure:` block of a target in the targets file. */
export interface AzureTargetConfig {
  subscriptionId: string;
  resourceGroup: string;
  /** The managed instance's name. */
  instance: string;
  /** Resource Manager endpoint; default `https://management.azure.com`. */
  endpoint?: string;
  /** Absolute path of a PEM CA bundle the endpoint's certificate chains to (lab, private clouds). */
  caFile?: string;
  /** Lab only: an environment variable holding a static bearer token. */
  tokenEnv?: string;
}

export type AzureLinkOperation = 'get' | 'update' | 'failover' | 'setRole' | 'delete';

export interface AzureCallOptions {
  /** Aborts the request, or stops polling a long-running operation (the operation itself goes on in Azure). */
  signal?: AbortSignal;
  /**
   * `2025-01-01` reads the link with the stable shape (roles, databases[]). `failover` and `setRole`
   * always use the stable api-version: the SDK's preview one has no such actions.
   */
  apiVersion?: '2025-01-01';
}

export interface AzureCallResult {
  /** HTTP status of the final response (after polling a long-running operation). */
  status: number;
  /** The link resource as ARM returned it; undefined after a delete. */
  body: unknown;
  durationMs: number;
  /** The request that started the operation, for the audit log. */
  request: { method: string; path: string; apiVersion: string };
}

/**
 * The link resource of one managed instance.
 *
 * @example
 * const res = await azure.call('failover', 'SalesLink', { failoverType: 'Planned' }, { signal });
 * console.log(res.status, res.request.path);
 */
export interface AzureLink {
  /** The targets file's role name, e.g. `mi`. */
  readonly role: string;
  /** `mi (arm: rg-prod/mi-prod)`; never a token. */
  describe(): string;
  /** Rejects with `AZURE_ERROR` (details: status, armCode) or `CANCELLED`. */
  call(op: AzureLinkOperation, link: string, body?: unknown, opts?: AzureCallOptions): Promise<AzureCallResult>;
}
