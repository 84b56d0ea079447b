/**
 * The Azure operations a runbook step may call, apart from the zod schema that validates them:
 * `plan` and `graph` describe Azure calls on every start and must not pay for zod (issue 13).
 * `schema.ts` re-exports them.
 */

/**
 * Operations of an `azure:` block. The first five act on the link resource
 * (`managedInstances/{mi}/distributedAvailabilityGroups/{link}`); `getInstance` reads the managed instance
 * itself (e.g. `properties.databaseFormat`, its update policy); the `*TrustCertificate(s)` ones act on
 * `managedInstances/{mi}/serverTrustCertificates/{certificate}`, where the MI keeps the partner
 * certificates it trusts (the only way to make an MI trust SQL Server's endpoint certificate).
 */
export const AZURE_OPERATIONS = [
  'get',
  'update',
  'failover',
  'setRole',
  'delete',
  'getInstance',
  'getTrustCertificate',
  'listTrustCertificates',
  'putTrustCertificate',
  'deleteTrustCertificate',
] as const;

/** Operations that only read: allowed in check, verify and wait (everything else changes Azure). */
export const READ_ONLY_AZURE_OPERATIONS: readonly AzureOperation[] = ['get', 'getInstance', 'getTrustCertificate', 'listTrustCertificates'];
/** Operations on the link resource: they default `link` to the runbook's `link` parameter. */
export const LINK_AZURE_OPERATIONS: readonly AzureOperation[] = ['get', 'update', 'failover', 'setRole', 'delete'];
/** Operations on one server trust certificate: they need `certificate`. */
export const CERTIFICATE_AZURE_OPERATIONS: readonly AzureOperation[] = ['getTrustCertificate', 'putTrustCertificate', 'deleteTrustCertificate'];

/**
 * Every api-version of the link resource in the Azure REST spec (azure-rest-api-specs,
 * `Microsoft.Sql/…/DistributedAvailabilityGroups.json`), oldest first. `@azure/arm-sql` 10 sends the
 * first; agmedic sends 2025-01-01 (newest stable) unless a step names another.
 */
export const AZURE_API_VERSIONS = ['2021-11-01-preview', '2022-08-01-preview', '2023-08-01', '2025-01-01', '2025-02-01-preview', '2025-08-01-preview'] as const;

export type AzureOperation = (typeof AZURE_OPERATIONS)[number];
export type AzureApiVersion = (typeof AZURE_API_VERSIONS)[number];
