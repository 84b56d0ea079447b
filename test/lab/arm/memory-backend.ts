import { randomUUID } from 'node:crypto';
import { deriveLegacyFields, type ArmLinkCore, type LegacyLinkFields } from './derive-legacy-fields.js';
import {
  ArmBackendError,
  type ArmLinkBackend,
  type ArmLinkInput,
  type ArmLinkPatch,
  type ArmLinkState,
  type FailoverType,
  type LinkRole,
  type RoleChangeType,
} from '../../../src/lab/arm/types.js';

/** Links per managed instance name; legacy fields are derived, so a seed gives only the newer ones. */
export type MemoryArmSeed = Record<string, ArmLinkCore[]>;

const other = (role: LinkRole): LinkRole => (role === 'Primary' ? 'Secondary' : 'Primary');

/**
 * A test double of the emulator's backend port (not of the SDK): links held in memory, so the
 * emulator's HTTP mechanics (auth, api-versions, paging, long-running operations) can be tested
 * with states the lab's world does not reach (several links, odd names). The product has one
 * backend, the world's (src/lab/arm/create-world-arm-backend.ts); this one follows the same
 * refusals the spec lists, so the two cannot disagree on them.
 *
 * Rules: failover makes the managed instance primary and is refused (409 `LinkFailoverNotAllowed`)
 * when it already is, and for `Planned` (409 `DistributedAvailabilityGroupFailoverSecondariesNotSynchronizing`)
 * unless replicationMode is Sync and every database is HEALTHY and CONNECTED. `setRole` to the role
 * the instance has is 409 `…SetRoleInstanceAlreadyInRequestedRole`, Planned to Primary 409
 * `…SetRolePrimaryPlannedNotSupported`; Planned to Secondary moves both sides and needs every database
 * CONNECTED; Forced changes only the managed instance's side (which is how split brain is undone).
 *
 * @example
 * const backend = createMemoryArmBackend({ 'mi-lab': [link] });
 * await backend.failover('mi-lab', 'dag1', 'Planned');
 */
export function createMemoryArmBackend(seed: MemoryArmSeed = {}): ArmLinkBackend {
  const links = new Map<string, Map<string, ArmLinkCore>>();
  const linksOf = (mi: string): Map<string, ArmLinkCore> => {
    const key = mi.toLowerCase();
    let map = links.get(key);
    if (!map) links.set(key, (map = new Map()));
    return map;
  };
  for (const [mi, list] of Object.entries(seed)) for (const link of list) linksOf(mi).set(link.name.toLowerCase(), stripLegacy(link));

  const view = (link: ArmLinkCore): ArmLinkState => deriveLegacyFields(structuredClone(link));
  const mustGet = (mi: string, dag: string): ArmLinkCore => {
    const link = linksOf(mi).get(dag.toLowerCase());
    if (!link) throw new ArmBackendError(404, 'ResourceNotFound', `distributed availability group '${dag}' was not found on '${mi}'`);
    return link;
  };

  return {
    listLinks: async (mi) => [...linksOf(mi).values()].map(view),
    getLink: async (mi, dag) => {
      const link = linksOf(mi).get(dag.toLowerCase());
      return link && view(link);
    },
    createOrUpdate: async (mi, dag, input) => {
      const current = linksOf(mi).get(dag.toLowerCase());
      if (current) {
        checkImmutable(current, input);
        Object.assign(current, { replicationMode: input.replicationMode, failoverMode: input.failoverMode, seedingMode: input.seedingMode });
        return view(current);
      }
      const created = newLink(dag, input);
      linksOf(mi).set(dag.toLowerCase(), created);
      return view(created);
    },
    update: async (mi, dag, patch: ArmLinkPatch) => {
      const link = mustGet(mi, dag);
      Object.assign(link, Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)));
      return view(link);
    },
    delete: async (mi, dag) => {
      mustGet(mi, dag);
      linksOf(mi).delete(dag.toLowerCase());
    },
    failover: async (mi, dag, failoverType: FailoverType) => {
      const link = mustGet(mi, dag);
      const refuse = (why: string): never => {
        throw new ArmBackendError(409, 'LinkFailoverNotAllowed', `${failoverType} failover of '${link.name}' is not allowed: ${why}`);
      };
      if (link.instanceLinkRole === 'Primary') refuse('the managed instance is already the primary');
      if (failoverType === 'Planned') {
        const notSynchronizing = (why: string): never => {
          throw new ArmBackendError(409, 'DistributedAvailabilityGroupFailoverSecondariesNotSynchronizing', `${failoverType} failover of '${link.name}' is not allowed: ${why}`);
        };
        if (link.replicationMode !== 'Sync') notSynchronizing('switch replicationMode to Sync first');
        const behind = link.databases.find((d) => d.synchronizationHealth !== 'HEALTHY' || d.connectedState !== 'CONNECTED');
        if (behind) notSynchronizing(`database '${behind.databaseName}' is ${behind.synchronizationHealth}/${behind.connectedState}`);
      }
      link.instanceLinkRole = 'Primary';
      link.partnerLinkRole = 'Secondary';
      return view(link);
    },
    setRole: async (mi, dag, instanceRole: LinkRole, roleChangeType: RoleChangeType) => {
      const link = mustGet(mi, dag);
      if (link.instanceLinkRole === instanceRole) {
        throw new ArmBackendError(409, 'DistributedAvailabilityGroupSetRoleInstanceAlreadyInRequestedRole', `the managed instance already has role ${instanceRole} in '${link.name}'`);
      }
      if (instanceRole === 'Primary' && roleChangeType === 'Planned') {
        throw new ArmBackendError(409, 'DistributedAvailabilityGroupSetRolePrimaryPlannedNotSupported', `a planned setRole to Primary is not supported for '${link.name}'`);
      }
      if (roleChangeType === 'Planned') {
        const away = link.databases.find((d) => d.connectedState !== 'CONNECTED');
        if (away) {
          throw new ArmBackendError(409, 'LinkRoleChangeNotAllowed', `a planned role change needs the partner connected; '${away.databaseName}' is not`);
        }
        link.partnerLinkRole = other(instanceRole);
      }
      link.instanceLinkRole = instanceRole;
      return view(link);
    },
  };
}

function stripLegacy(link: ArmLinkCore | ArmLinkState): ArmLinkCore {
  const copy: Partial<ArmLinkState> = structuredClone(link);
  const legacy: LegacyLinkFields[] = [
    'targetDatabase',
    'sourceEndpoint',
    'primaryAvailabilityGroupName',
    'secondaryAvailabilityGroupName',
    'sourceReplicaId',
    'targetReplicaId',
    'linkState',
    'lastHardenedLsn',
  ];
  for (const key of legacy) delete copy[key];
  return copy as ArmLinkCore;
}

function newLink(name: string, input: ArmLinkInput): ArmLinkCore {
  const instanceReplicaId = randomUUID();
  const partnerReplicaId = randomUUID();
  return {
    name,
    distributedAvailabilityGroupId: randomUUID(),
    replicationMode: input.replicationMode,
    partnerLinkRole: other(input.instanceLinkRole),
    partnerAvailabilityGroupName: input.partnerAvailabilityGroupName,
    partnerEndpoint: input.partnerEndpoint,
    instanceLinkRole: input.instanceLinkRole,
    instanceAvailabilityGroupName: input.instanceAvailabilityGroupName,
    failoverMode: input.failoverMode,
    seedingMode: input.seedingMode,
    databases: input.databases.map((databaseName) => ({
      databaseName,
      instanceReplicaId,
      partnerReplicaId,
      replicaState: 'LinkSynchronizing',
      seedingProgress: '100%',
      synchronizationHealth: 'HEALTHY',
      connectedState: 'CONNECTED',
    })),
  };
}

/** A PUT on an existing link may change its modes, not what it connects. */
function checkImmutable(current: ArmLinkCore, input: ArmLinkInput): void {
  const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
  const changed = [
    !same(current.partnerAvailabilityGroupName, input.partnerAvailabilityGroupName) && 'partnerAvailabilityGroupName',
    !same(current.partnerEndpoint, input.partnerEndpoint) && 'partnerEndpoint',
    !same(current.instanceAvailabilityGroupName, input.instanceAvailabilityGroupName) && 'instanceAvailabilityGroupName',
    !same(current.databases.map((d) => d.databaseName).join('\n'), input.databases.join('\n')) && 'databases',
  ].filter((x): x is string => typeof x === 'string');
  if (changed.length > 0) {
    throw new ArmBackendError(400, 'PropertyChangeNotSupported', `cannot change ${changed.join(', ')} of an existing link; delete and recreate it`);
  }
}
