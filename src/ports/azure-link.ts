/**
 * The runtime's view of the Managed Instance link resource in Azure Resource Manager
 * (`Microsoft.Sql/managedInstances/{mi}/distributedAvailabilityGroups/{link}`). Implemented in
 * adapters/arm-link.ts over `@azure/arm-sql`'s client pipeline.
 */
import type { AzureApiVersion, AzureOperation } from '../runbook/schema.js';

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

/**
 * The runbook's Azure operations (runbook/schema.ts AZURE_OPERATIONS): five on the link resource, one
 * reading the managed instance, four on its `serverTrustCertificates`.
 */
export type AzureLinkOperation = AzureOperation;

/** The api-versions a call may ask for (every one the Azure REST spec defines for the link). */
export type { AzureApiVersion };

/** ARM accepted a change and answered 202: where its outcome can be polled. Holds no secret. */
export interface AzureOperationHandle {
  /** `Azure-AsyncOperation` (a status document), when ARM sent one. */
  asyncOperationUrl?: string;
  /** `Location` (the final result), when ARM sent one. */
  locationUrl?: string;
}

export interface AzureCallOptions {
  /** Aborts the request, or stops polling a long-running operation (the operation itself goes on in Azure). */
  signal?: AbortSignal;
  /** The api-version to send; default 2025-01-01 (the newest stable, with the roles/databases[] shape). */
  apiVersion?: AzureApiVersion;
  /**
   * Called once, before any polling, when ARM accepts a change with 202: the caller persists the
   * handle (the journal does) so a crash afterwards can be settled by polling, never by re-sending.
   * Polling waits for it to resolve.
   */
  onAccepted?: (op: AzureOperationHandle) => Promise<void> | void;
}

export interface AzureCallResult {
  /** HTTP status of the final response (after polling a long-running operation). */
  status: number;
  /** The resource as ARM returned it (a list: `{ value: [...] }`); undefined after a delete. */
  body: unknown;
  durationMs: number;
  /** The request that started the operation, for the audit log. */
  request: { method: string; path: string; apiVersion: string };
  /** Set when ARM answered 202 and the operation was polled. */
  operation?: AzureOperationHandle;
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
  /**
   * `name` is the link for link operations and the certificate for the `*TrustCertificate` ones;
   * `getInstance` and `listTrustCertificates` ignore it. Rejects with `AZURE_ERROR` (details: status,
   * armCode) or `CANCELLED`.
   */
  call(op: AzureLinkOperation, name: string, body?: unknown, opts?: AzureCallOptions): Promise<AzureCallResult>;
  /**
   * Follows an operation ARM accepted earlier (perhaps by another process, before a crash) to its
   * end. Resolves with the final response, rejects with `AZURE_ERROR` when the operation failed.
   */
  poll(op: AzureOperationHandle, opts?: { signal?: AbortSignal }): Promise<AzureCallResult>;
}
