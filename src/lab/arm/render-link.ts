import { ARM_API_VERSIONS, LEGACY_API_VERSIONS, type ArmApiVersion, type ArmInstanceState, type ArmLinkState, type ArmTrustCertificate } from './types.js';

export const RESOURCE_TYPE = 'Microsoft.Sql/managedInstances/distributedAvailabilityGroups';

/** Where a resource lives; names are the canonical ones from the emulator's options. */
export interface ResourceScope {
  subscriptionId: string;
  resourceGroup: string;
  managedInstance: string;
}

export function isApiVersion(value: string | undefined): value is ArmApiVersion {
  return (ARM_API_VERSIONS as readonly string[]).includes(value ?? '');
}

/** The actions each api-version defines (spec-shapes.json `apiVersions[*].actions`). */
export function hasAction(apiVersion: ArmApiVersion, action: 'failover' | 'setRole'): boolean {
  if (apiVersion === '2021-11-01-preview') return false;
  if (apiVersion === '2022-08-01-preview') return action === 'setRole';
  return true;
}

/** ARM writes GUIDs in lower case (the spec's examples do); SQL Server's DMVs write them in upper case. */
const lower = (id: string | undefined): string | undefined => id?.toLowerCase();

export function isLegacyApiVersion(value: ArmApiVersion): boolean {
  return (LEGACY_API_VERSIONS as readonly string[]).includes(value);
}

export function collectionPath(scope: ResourceScope): string {
  return (
    `/subscriptions/${scope.subscriptionId}/resourceGroups/${scope.resourceGroup}` +
    `/providers/Microsoft.Sql/managedInstances/${scope.managedInstance}/distributedAvailabilityGroups`
  );
}

export function resourceId(scope: ResourceScope, name: string): string {
  return `${collectionPath(scope)}/${encodeURIComponent(name)}`;
}

/**
 * The resource envelope in the shape of `apiVersion`. Only the properties that api-version defines are
 * sent, so a client cannot come to rely on a field its api-version does not have.
 */
export function renderLink(scope: ResourceScope, link: ArmLinkState, apiVersion: ArmApiVersion): Record<string, unknown> {
  const properties: Record<string, unknown> = isLegacyApiVersion(apiVersion)
    ? {
        targetDatabase: link.targetDatabase,
        sourceEndpoint: link.sourceEndpoint,
        primaryAvailabilityGroupName: link.primaryAvailabilityGroupName,
        secondaryAvailabilityGroupName: link.secondaryAvailabilityGroupName,
        replicationMode: link.replicationMode,
        distributedAvailabilityGroupId: lower(link.distributedAvailabilityGroupId),
        sourceReplicaId: lower(link.sourceReplicaId),
        targetReplicaId: lower(link.targetReplicaId),
        linkState: link.linkState,
        lastHardenedLsn: link.lastHardenedLsn,
      }
    : {
        distributedAvailabilityGroupName: link.name,
        distributedAvailabilityGroupId: lower(link.distributedAvailabilityGroupId),
        replicationMode: link.replicationMode,
        partnerLinkRole: link.partnerLinkRole,
        partnerAvailabilityGroupName: link.partnerAvailabilityGroupName,
        partnerEndpoint: link.partnerEndpoint,
        instanceLinkRole: link.instanceLinkRole,
        instanceAvailabilityGroupName: link.instanceAvailabilityGroupName,
        failoverMode: link.failoverMode,
        seedingMode: link.seedingMode,
        databases: link.databases.map((db) => ({
          ...db,
          instanceReplicaId: lower(db.instanceReplicaId),
          partnerReplicaId: lower(db.partnerReplicaId),
          partnerAuthCertValidity: db.partnerAuthCertValidity && { ...db.partnerAuthCertValidity },
        })),
      };
  // 2022-08-01-preview (the first with setRole) shows the instance's role under this name.
  if (apiVersion === '2022-08-01-preview') properties.instanceRole = link.instanceLinkRole;
  // 2025-08-01-preview adds multi-database links; the lab's links hold one database.
  if (apiVersion === '2025-08-01-preview') properties.linkMode = link.databases.length > 1 ? 'MultiDatabase' : 'SingleDatabase';
  return { id: resourceId(scope, link.name), name: link.name, type: RESOURCE_TYPE, properties: dropUndefined(properties) };
}

function dropUndefined(props: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.map((e) => (e && typeof e === 'object' ? dropUndefined(e as Record<string, unknown>) : e)) : v;
  }
  return out;
}

export function instancePath(scope: ResourceScope): string {
  return `/subscriptions/${scope.subscriptionId}/resourceGroups/${scope.resourceGroup}/providers/Microsoft.Sql/managedInstances/${scope.managedInstance}`;
}

/** The managed instance resource (`Microsoft.Sql/managedInstances`), with the properties the lab models. */
export function renderInstance(scope: ResourceScope, mi: ArmInstanceState, location: string): Record<string, unknown> {
  return {
    id: instancePath(scope),
    name: mi.name,
    type: 'Microsoft.Sql/managedInstances',
    location,
    sku: { name: 'GP_Gen5', tier: 'GeneralPurpose', family: 'Gen5', capacity: 8 },
    properties: { fullyQualifiedDomainName: mi.fullyQualifiedDomainName, state: mi.state, databaseFormat: mi.databaseFormat },
  };
}

/** One `Microsoft.Sql/managedInstances/serverTrustCertificates` resource. */
export function renderTrustCertificate(scope: ResourceScope, cert: ArmTrustCertificate): Record<string, unknown> {
  return {
    id: `${instancePath(scope)}/serverTrustCertificates/${encodeURIComponent(cert.certificateName)}`,
    name: cert.certificateName,
    type: 'Microsoft.Sql/managedInstances/serverTrustCertificates',
    properties: { publicBlob: cert.publicBlob, thumbprint: cert.thumbprint, certificateName: cert.certificateName },
  };
}

/** ARM's error body. */
export function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}
