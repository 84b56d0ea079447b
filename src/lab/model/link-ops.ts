import type { LabWorld } from './lab-world.js';
import { isSynchronousEverywhere, linkConnectivity, primarySide } from './run-dynamics.js';
import { SqlServerError } from './sql-error.js';
import type { AvailabilityMode, LinkSide } from './types.js';

/**
 * Role changes of the link, shared by T-SQL (ALTER AVAILABILITY GROUP) and the ARM emulator, so a
 * failover through either shows in both views.
 *
 * Error numbers (SQL Server sys.messages):
 * | number | meaning | confidence |
 * |---|---|---|
 * | 15151 | Cannot alter the availability group '%s', because it does not exist or you do not have permission. | documented |
 * | 41142 | The availability replica … cannot become the primary replica. One or more databases are not synchronized … | documented |
 * | 41190 | Availability group '%s' failed to process %s command. The local availability replica is not in a state that could process the command. | documented text; used here for every wrong-role / wrong-kind case |
 */
function sideOrThrow(world: LabWorld, instance: string, dagName: string, verb: string): LinkSide {
  const side = world.sideOf(instance);
  if (!side || world.link!.dagName.toLowerCase() !== dagName.toLowerCase()) {
    throw new SqlServerError(15151, `Cannot ${verb} the availability group '${dagName}', because it does not exist or you do not have permission.`);
  }
  return side;
}

function notInState(dagName: string, command: string, why: string): SqlServerError {
  return new SqlServerError(
    41190,
    `Availability group '${dagName}' failed to process ${command} command. The local availability replica is not in a state that could process the command. (${why})`,
  );
}

/** `ALTER AVAILABILITY GROUP [dag] SET (ROLE = SECONDARY)` on `instance`. */
export function setRoleSecondary(world: LabWorld, instance: string, dagName: string): void {
  const side = sideOrThrow(world, instance, dagName, 'alter');
  if (side.role !== 'PRIMARY') throw notInState(dagName, 'SET ROLE', `the local replica is ${side.role}, not PRIMARY`);
  side.role = 'SECONDARY';
  world.event(side.instance, 'role', `${dagName}: ${side.instance} set to SECONDARY`);
}

/**
 * `ALTER AVAILABILITY GROUP [dag] FAILOVER` on the DAG primary (SQL Server 2022 CU13+ link failover):
 * with the partner a synchronized SECONDARY in synchronous commit, the roles swap. After split brain,
 * once the partner was set SECONDARY, it re-establishes the link with this side as primary; the
 * partner's diverged log past the fork point is discarded.
 */
export function plannedFailover(world: LabWorld, instance: string, dagName: string): void {
  const side = sideOrThrow(world, instance, dagName, 'alter');
  const link = world.link!;
  const partner = world.partnerOf(side);
  if (side.role !== 'PRIMARY') throw notInState(dagName, 'FAILOVER', 'run a planned link failover on the current primary');
  if (partner.role === 'PRIMARY') throw notInState(dagName, 'FAILOVER', 'the partner is also PRIMARY; set it to SECONDARY first');
  if (link.forkPos !== null) {
    const keep = Math.min(link.forkPos, partner.logEnd);
    partner.logEnd = partner.hardened = partner.redone = keep;
    partner.lastCommitPos = Math.min(partner.lastCommitPos, keep);
    link.forkPos = null;
    const db = world.instance(partner.instance).databases.find((d) => d.name.toLowerCase() === link.databaseName.toLowerCase());
    if (db) db.stateDesc = 'ONLINE';
    link.mostRecentError = null;
    for (const s of link.sides) s.lastConnectError = null;
    world.event(side.instance, 'failover', `${dagName}: link re-established with ${side.instance} as primary`);
    return;
  }
  const conn = linkConnectivity(world, world.now());
  const synchronized = conn.connected && partner.hardened >= side.logEnd && isSynchronousEverywhere(link);
  if (!synchronized) {
    throw new SqlServerError(
      41142,
      `The availability replica for availability group '${dagName}' on this instance of SQL Server cannot become the primary replica. One or more databases are not synchronized or have not joined the availability group. If the availability replica uses the asynchronous-commit mode, consider performing a forced manual failover (with possible data loss). Otherwise, once all local secondary databases are joined and synchronized, you can perform a planned manual failover to this secondary replica (without data loss).`,
    );
  }
  side.role = 'SECONDARY';
  partner.role = 'PRIMARY';
  world.event(side.instance, 'failover', `${dagName}: planned failover to ${partner.instance}`);
}

/** `ALTER AVAILABILITY GROUP [dag] FORCE_FAILOVER_ALLOW_DATA_LOSS` on the DAG secondary. */
export function forcedFailover(world: LabWorld, instance: string, dagName: string): void {
  const side = sideOrThrow(world, instance, dagName, 'alter');
  if (side.role === 'PRIMARY') throw notInState(dagName, 'FORCE_FAILOVER_ALLOW_DATA_LOSS', 'the local replica is already PRIMARY');
  const link = world.link!;
  side.role = 'PRIMARY';
  side.logEnd = side.hardened;
  // Anything the old primary wrote past this point is lost to the new primary: the logs fork here.
  link.forkPos = side.logEnd;
  if (link.seeding?.currentState === 'SEEDING') link.seeding = null;
  world.event(side.instance, 'failover', `${dagName}: forced failover to ${side.instance} (data loss possible)`);
}

/** `MODIFY AVAILABILITY GROUP ON 'A' WITH (AVAILABILITY_MODE = …)` on one side: changes that side's view only. */
export function setAvailabilityModes(
  world: LabWorld,
  instance: string,
  dagName: string,
  modes: { agName: string; mode: AvailabilityMode }[],
): void {
  const side = sideOrThrow(world, instance, dagName, 'alter');
  const link = world.link!;
  for (const { agName, mode } of modes) {
    const target = resolveDagReplica(world, agName);
    if (!target) {
      throw new SqlServerError(15151, `Cannot alter the availability group '${agName}', because it does not exist or you do not have permission.`);
    }
    side.modes[target.agName] = mode;
  }
  world.event(side.instance, 'modify', `${link.dagName}: modes on ${side.instance} now ${JSON.stringify(side.modes)}`);
}

/** A DAG replica by its AG name, or by its instance name as [FO]'s '<MI name>' placeholder suggests. */
export function resolveDagReplica(world: LabWorld, name: string): LinkSide | undefined {
  const n = name.toLowerCase();
  return world.link?.sides.find(
    (s) => s.agName.toLowerCase() === n || s.instance.toLowerCase() === n || world.findInstance(name)?.name === s.instance,
  );
}

/** Drops the DAG on one side; when both sides dropped it, the link is gone. */
export function dropLinkOn(world: LabWorld, instance: string, dagName: string): void {
  const side = sideOrThrow(world, instance, dagName, 'drop');
  world.droppedOn.add(side.instance);
  if (world.link!.sides.every((s) => world.droppedOn.has(s.instance))) {
    world.link = null;
    world.droppedOn.clear();
  }
  world.event(side.instance, 'drop', `${dagName} dropped on ${side.instance}`);
}

export { primarySide };
