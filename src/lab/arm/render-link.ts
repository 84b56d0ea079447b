import { CURRENT_API_VERSIONS, LEGACY_API_VERSIONS, type ArmApiVersion, type ArmLinkState } from './types.js';

export const RESOURCE_TYPE = 'Microsoft.Sql/managedInstances/distributedAvailabilityGroups';

/** Where a resource lives; names are the canonical ones from the emulator's options. */
export interface ResourceScope {
  subscriptionId: string;
  resourceGroup: string;
  managedInstance: string;
}

export function isApiVersion(value: string | undefined): value is ArmApiVersion {
  return (LEGACY_API_VERSIONS as readonly string[]).includes(value ?? '') || (CURRENT_API_VERSIONS as readonly string[]).includes(value ?? '');
}

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
  const properties = isLegacyApiVersion(apiVersion)
    ? {
        targetDatabase: link.targetDatabase,
        sourceEndpoint: link.sourceEndpoint,
        primaryAvailabilityGroupName: link.primaryAvailabilityGroupName,
        secondaryAvailabilityGroupName: link.secondaryAvailabilityGroupName,
        replicationMode: link.replicationMode,
        distributedAvailabilityGroupId: link.distributedAvailabilityGroupId,
        sourceReplicaId: link.sourceReplicaId,
        targetReplicaId: link.targetReplicaId,
        linkState: link.linkState,
        lastHardenedLsn: link.lastHardenedLsn,
      }
    : {
        distributedAvailabilityGroupName: link.name,
        distributedAvailabilityGroupId: link.distributedAvailabilityGroupId,
        replicationMode: link.replicationMode,
        partnerLinkRole: link.partnerLinkRole,
        partnerAvailabilityGroupName: link.partnerAvailabilityGroupName,
        partnerEndpoint: link.partnerEndpoint,
        instanceLinkRole: link.instanceLinkRole,
        instanceAvailabilityGroupName: link.instanceAvailabilityGroupName,
        failoverMode: link.failoverMode,
        seedingMode: link.seedingMode,
        databases: link.databases.map((db) => ({ ...db, partnerAuthCertValidity: db.partnerAuthCertValidity && { ...db.partnerAuthCertValidity } })),
      };
  return { id: resourceId(scope, link.name), name: link.name, type: RESOURCE_TYPE, properties };
}

/** ARM's error body. */
export function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}
