/**
 * The refusals the Azure REST spec lists for the link's actions (domain.md [SPEC] "Refusals the spec
 * lists (409)"), checked against the world before it changes: Azure refuses these rather than
 * quietly making them possible (switching to Sync, or demoting the other side first).
 */
import type { LabWorld } from '../model/lab-world.js';
import type { LinkView } from '../model/link-api.js';
import { primarySide } from '../model/run-dynamics.js';
import { ArmBackendError, type FailoverType, type LinkRole, type RoleChangeType } from './types.js';

/**
 * The spec names LogSendQueueSizeTooBig / RedoQueueSizeTooBig but not their limits. The lab's: more
 * than 10 s of the link's bandwidth unsent, or more than 60 s of its redo rate unapplied — a
 * synchronized Sync link is far below both, a lagging one (flow control, slow redo) above.
 */
const SEND_QUEUE_SECONDS = 10;
const REDO_QUEUE_SECONDS = 60;

/**
 * `POST …/failover`. Forced failover is refused only when the managed instance already is the primary;
 * a planned one also needs every database synchronized over a Sync link with short queues.
 *
 * @example
 * refuseFailover(world, view, 'Planned'); // throws 409 …FailoverSecondariesNotSynchronizing on an Async link
 */
export function refuseFailover(world: LabWorld, view: LinkView, failoverType: FailoverType): void {
  const refuse = (code: string, why: string): never => {
    throw new ArmBackendError(409, code, `${failoverType} failover of '${view.distributedAvailabilityGroupName}' is not allowed: ${why}`);
  };
  // ARM's failover moves the primary to the managed instance; one that already is the primary has nowhere to go.
  if (view.instanceLinkRole === 'Primary') refuse('LinkFailoverNotAllowed', 'the managed instance is already the primary');
  if (failoverType !== 'Planned') return;
  const db = view.databases[0];
  if (view.replicationMode !== 'Sync' || db?.connectedState !== 'Connected' || db.synchronizationHealth !== 'Healthy') {
    const state = view.replicationMode !== 'Sync' ? 'replicationMode is Async (switch it to Sync and wait until the secondary is synchronized)' : 'the secondary is not synchronized';
    refuse('DistributedAvailabilityGroupFailoverSecondariesNotSynchronizing', state);
  }
  const link = world.link;
  const primary = link ? primarySide(link) : undefined;
  if (!link || !primary) return;
  const secondary = world.partnerOf(primary);
  const sendQueue = primary.logEnd - secondary.hardened;
  const redoQueue = secondary.hardened - secondary.redone;
  if (sendQueue > link.bandwidthBytesPerSec * SEND_QUEUE_SECONDS) {
    refuse('DistributedAvailabilityGroupFailoverLogSendQueueSizeTooBig', `the log send queue holds ${Math.round(sendQueue / 1024)} KB`);
  }
  if (redoQueue > link.redoBytesPerSec * REDO_QUEUE_SECONDS) {
    refuse('DistributedAvailabilityGroupFailoverRedoQueueSizeTooBig', `the redo queue holds ${Math.round(redoQueue / 1024)} KB`);
  }
}

/**
 * `POST …/setRole`: asking for the role the instance already has, or a planned change to Primary
 * (a planned move of the primary is a failover, not a role change), is refused.
 *
 * @example
 * refuseSetRole(view, 'Secondary', 'Forced'); // throws 409 …SetRoleInstanceAlreadyInRequestedRole when already secondary
 */
export function refuseSetRole(view: LinkView, instanceRole: LinkRole, roleChangeType: RoleChangeType): void {
  const name = view.distributedAvailabilityGroupName;
  if (view.instanceLinkRole === instanceRole) {
    throw new ArmBackendError(409, 'DistributedAvailabilityGroupSetRoleInstanceAlreadyInRequestedRole', `the managed instance already has role ${instanceRole} in '${name}'`);
  }
  if (instanceRole === 'Primary' && roleChangeType === 'Planned') {
    throw new ArmBackendError(409, 'DistributedAvailabilityGroupSetRolePrimaryPlannedNotSupported', `a planned setRole to Primary is not supported for '${name}'; use failover with failoverType Planned, or roleChangeType Forced`);
  }
}
