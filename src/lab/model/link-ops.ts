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

/**
 * `ALTER AVAILABILITY GROUP [dag] SET (ROLE = SECONDARY)` on `instance`.
 *
 * After split brain (the logs forked at `link.forkPos`), the demoted side reconnects to the partner,
 * which is now the only primary, and resynchronizes from it: its log past the fork point — the
 * transactions it committed after the split — is reverted, then the primary's log flows in (run-dynamics).
 * This, not the FAILOVER that [TS] runs afterwards, is what ends split brain.
 */
export function setRoleSecondary(world: LabWorld, instance: string, dagName: string): void {
  const side = sideOrThrow(world, instance, dagName, 'alter');
  if (side.role !== 'PRIMARY') throw notInState(dagName, 'SET ROLE', `the local replica is ${side.role}, not PRIMARY`);
  side.role = 'SECONDARY';
  const link = world.link!;
  const partner = world.partnerOf(side);
  if (link.forkPos !== null && partner.role === 'PRIMARY') {
    const keep = Math.min(link.forkPos, side.logEnd);
    side.logEnd = side.hardened = side.redone = keep;
    side.lastCommitPos = Math.min(side.lastCommitPos, keep);
    link.forkPos = null;
    link.mostRecentError = null;
    for (const s of link.sides) s.lastConnectError = null;
    // A tail-log backup WITH NORECOVERY left the copy RESTORING; as a secondary it follows the primary again.
    const db = world.instance(side.instance).databases.find((d) => d.name.toLowerCase() === link.databaseName.toLowerCase());
    if (db) db.stateDesc = 'ONLINE';
    world.event(side.instance, 'revert', `${dagName}: ${side.instance} reverts its log to the fork point and resynchronizes from ${partner.instance}`);
  }
  world.event(side.instance, 'role', `${dagName}: ${side.instance} set to SECONDARY`);
}

/**
 * Whether `secondary` has hardened all of `primary`'s log over a working connection. In asynchronous
 * commit a primary that is still being written to always has log in flight (the model settles the queue
 * at each step's end, so "caught up" alone would be too kind): only a stopped workload lets it converge.
 */
export function isSynchronized(world: LabWorld, primary: LinkSide, secondary: LinkSide): boolean {
  const link = world.link!;
  const writing = world.instance(primary.instance).workloadBytesPerSec > 0;
  return (
    linkConnectivity(world, world.now()).connected &&
    !secondary.isSuspended &&
    secondary.hardened >= primary.logEnd &&
    (isSynchronousEverywhere(link) || !writing)
  );
}

/**
 * `ALTER AVAILABILITY GROUP [dag] FAILOVER` (SQL Server 2022 CU13+ link failover), per [AAG]: "you must
 * issue the failover command on the primary replica", it "returns after a successful failover where the
 * source and target switch roles", and "failover is only supported to a synchronous-commit secondary
 * replica that's currently synchronized with the primary".
 *
 * Synchronous commit: issued on SQL Server, both sides' configurations must say SYNCHRONOUS_COMMIT ([FO]
 * switches the link first). Issued on the managed instance, [FO] skips that switch (failover to SQL Server
 * 2022) because, per [BP], "replication temporarily switches to synchronous commit mode until the failover
 * completes"; either way, "after failover, the commit mode switches back to asynchronous" [BP].
 * Refused with 41142 when the partner is not synchronized (a running workload keeps it behind).
 */
export function plannedFailover(world: LabWorld, instance: string, dagName: string): void {
  const side = sideOrThrow(world, instance, dagName, 'alter');
  const link = world.link!;
  const partner = world.partnerOf(side);
  if (side.role !== 'PRIMARY') throw notInState(dagName, 'FAILOVER', 'the failover command must be issued on the primary replica');
  if (partner.role === 'PRIMARY') throw notInState(dagName, 'FAILOVER', 'the partner is also PRIMARY; set it to SECONDARY first');
  const issuedOnMi = world.instance(side.instance).kind === 'mi';
  const synchronous = isSynchronousEverywhere(link) || issuedOnMi;
  if (!synchronous || !isSynchronized(world, side, partner)) {
    throw new SqlServerError(
      41142,
      `The availability replica for availability group '${dagName}' on this instance of SQL Server cannot become the primary replica. One or more databases are not synchronized or have not joined the availability group. If the availability replica uses the asynchronous-commit mode, consider performing a forced manual failover (with possible data loss). Otherwise, once all local secondary databases are joined and synchronized, you can perform a planned manual failover to this secondary replica (without data loss).`,
    );
  }
  side.role = 'SECONDARY';
  partner.role = 'PRIMARY';
  for (const s of link.sides) for (const k of Object.keys(s.modes)) s.modes[k] = 'ASYNCHRONOUS_COMMIT';
  world.event(side.instance, 'failover', `${dagName}: planned failover, ${partner.instance} is now PRIMARY and ${side.instance} SECONDARY; commit mode back to asynchronous`);
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
    world.retiredLink = world.link;
    world.link = null;
    world.droppedOn.clear();
  }
  world.event(side.instance, 'drop', `${dagName} dropped on ${side.instance}`);
}

export { primarySide };
