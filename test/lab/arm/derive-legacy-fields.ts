import type { ArmLinkState } from '../../../src/lab/arm/types.js';

/** Fields only the 2021/2022 preview api-versions show; they are views of the newer ones. */
export type LegacyLinkFields =
  | 'targetDatabase'
  | 'sourceEndpoint'
  | 'primaryAvailabilityGroupName'
  | 'secondaryAvailabilityGroupName'
  | 'sourceReplicaId'
  | 'targetReplicaId'
  | 'linkState'
  | 'lastHardenedLsn';

/** A link in the newer vocabulary only. */
export type ArmLinkCore = Omit<ArmLinkState, LegacyLinkFields>;

/**
 * Completes a link with the old api-versions' fields, so one record serves both shapes and they can
 * never disagree. The old shape had one database and named the sides by role, so "primary" follows
 * whichever side is primary now; `sourceEndpoint` stays SQL Server's endpoint.
 *
 * @example
 * const state = deriveLegacyFields({ name: 'dag1', instanceLinkRole: 'Secondary', partnerAvailabilityGroupName: 'ag_sql', … });
 * state.primaryAvailabilityGroupName; // 'ag_sql'
 */
export function deriveLegacyFields(core: ArmLinkCore): ArmLinkState {
  const first = core.databases[0];
  const instancePrimary = core.instanceLinkRole === 'Primary';
  const state: ArmLinkState = {
    ...core,
    targetDatabase: first?.databaseName ?? '',
    sourceEndpoint: core.partnerEndpoint,
    primaryAvailabilityGroupName: instancePrimary ? core.instanceAvailabilityGroupName : core.partnerAvailabilityGroupName,
    secondaryAvailabilityGroupName: instancePrimary ? core.partnerAvailabilityGroupName : core.instanceAvailabilityGroupName,
  };
  const source = instancePrimary ? first?.instanceReplicaId : first?.partnerReplicaId;
  const target = instancePrimary ? first?.partnerReplicaId : first?.instanceReplicaId;
  if (source !== undefined) state.sourceReplicaId = source;
  if (target !== undefined) state.targetReplicaId = target;
  if (first !== undefined) state.linkState = first.replicaState;
  if (first?.lastHardenedLsn !== undefined) state.lastHardenedLsn = first.lastHardenedLsn;
  return state;
}
