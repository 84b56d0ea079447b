import { AgmedicError } from '../../errors.js';
import { restartSeeding, runDynamics } from './run-dynamics.js';
import type {
  Clock,
  FailNextRule,
  InstanceState,
  LabEvent,
  LinkSide,
  LinkState,
  StatementLogEntry,
} from './types.js';

/** Dynamics advance in steps no longer than this, so rates integrate smoothly over long ticks. */
const MAX_STEP_MS = 1_000;
/** Below this much simulated time, sync() leaves the model (and the DMV cache keyed on its version) alone. */
const MIN_SYNC_MS = 250;
/** How long a restarted instance stays down, in simulated time. */
const RESTART_DOWNTIME_MS = 30_000;

/**
 * The one state model behind both simulated instances, their DMVs and the ARM link resource.
 *
 * @example
 * const world = createWorld(loadScenario('healthy'), { clock: new ManualClock(start) });
 * world.advance(60_000);                 // one simulated minute of workload and replication
 * world.instance('SQL01').backups.length;
 */
export class LabWorld {
  readonly instances = new Map<string, InstanceState>();
  link: LinkState | null = null;
  /** Bumped on every change; the T-SQL layer caches materialised views per version. */
  version = 0;
  readonly statementLog: StatementLogEntry[] = [];
  readonly events: LabEvent[] = [];
  readonly failNextRules: FailNextRule[] = [];
  /** instance (lower case) → time it comes back up after restartInstance. */
  readonly downUntil = new Map<string, number>();
  private lastSync: number;

  constructor(
    readonly clock: Clock,
    readonly seed: string,
  ) {
    this.lastSync = clock.now();
  }

  now(): number {
    return this.clock.now();
  }

  addInstance(instance: InstanceState): void {
    this.instances.set(instance.name.toLowerCase(), instance);
  }

  /** Looks an instance up by server name or FQDN, case-insensitively. */
  findInstance(name: string): InstanceState | undefined {
    const key = name.toLowerCase();
    const direct = this.instances.get(key);
    if (direct) return direct;
    for (const i of this.instances.values()) if (i.fqdn.toLowerCase() === key) return i;
    return undefined;
  }

  instance(name: string): InstanceState {
    const found = this.findInstance(name);
    if (!found) throw new AgmedicError('LAB_CONTROL', `no instance named "${name}" in the lab`);
    return found;
  }

  /** The link side hosted by `instance`, if the DAG exists there. */
  sideOf(instance: string): LinkSide | undefined {
    const key = this.findInstance(instance)?.name;
    return this.link?.sides.find((s) => s.instance === key && this.linkPresentOn(s.instance));
  }

  partnerOf(side: LinkSide): LinkSide {
    const link = this.link!;
    return link.sides[0] === side ? link.sides[1] : link.sides[0];
  }

  /** Instances from which the DAG was dropped (DROP AVAILABILITY GROUP, or the ARM delete on the MI). */
  readonly droppedOn = new Set<string>();

  /** The last link dropped on both sides: re-creating the link (recreate-link.ts) starts from its settings and log position. */
  retiredLink: LinkState | null = null;

  linkPresentOn(instance: string): boolean {
    return this.link !== null && !this.droppedOn.has(instance);
  }

  touch(): void {
    this.version++;
  }

  event(instance: string | null, kind: string, message: string): void {
    this.events.push({ at: this.now(), instance, kind, message });
    this.touch();
  }

  recordStatement(entry: StatementLogEntry): void {
    this.statementLog.push(entry);
  }

  /** Runs the dynamics up to the clock's present; engines call this before every statement. */
  sync(): void {
    const now = this.now();
    if (now - this.lastSync < MIN_SYNC_MS) return;
    this.tick(now - this.lastSync);
  }

  /** Advances the dynamics by `elapsedMs` of simulated time (without moving the clock). */
  tick(elapsedMs: number): void {
    let left = elapsedMs;
    let at = this.lastSync;
    while (left > 0) {
      const step = Math.min(MAX_STEP_MS, left);
      at += step;
      for (const [key, until] of this.downUntil) {
        if (at >= until) {
          this.downUntil.delete(key);
          const inst = this.instances.get(key);
          if (inst) {
            inst.up = true;
            inst.startedAt = at;
            this.event(inst.name, 'instance-up', `${inst.name} is back after a restart`);
          }
        }
      }
      runDynamics(this, step, at);
      left -= step;
    }
    this.lastSync = Math.max(this.lastSync, this.lastSync + elapsedMs);
    this.touch();
  }

  /** For tests with a {@link ManualClock}-like clock: moves the clock and runs the dynamics. */
  advance(ms: number): void {
    const c = this.clock as Clock & { advance?: (ms: number) => void };
    if (!c.advance) throw new AgmedicError('LAB_CONTROL', 'advance() needs a manual clock; use sync() with a real clock');
    c.advance(ms);
    this.sync();
  }

  // --- fault hooks -------------------------------------------------------------------------

  /** Takes an instance down for 30 simulated seconds; sessions drop, seeding starts over. */
  restartInstance(name: string): void {
    const inst = this.instance(name);
    inst.up = false;
    inst.sessions.clear();
    inst.appLocks.length = 0;
    // DBCC TRACEON flags do not survive a restart; startup flags (-T) do.
    inst.runtimeTraceFlags.length = 0;
    this.downUntil.set(inst.name.toLowerCase(), this.now() + RESTART_DOWNTIME_MS);
    if (this.link?.seeding?.currentState === 'SEEDING') restartSeeding(this, this.now());
    this.event(inst.name, 'restart', `${inst.name} restarted`);
  }

  /**
   * Sets the application's log generation on an instance (bytes/s while it is primary); 0 stops the
   * workload, as a DBA does before a tail-log backup or a planned failover.
   */
  setWorkload(name: string, bytesPerSec: number): void {
    if (!Number.isFinite(bytesPerSec) || bytesPerSec < 0) throw new AgmedicError('LAB_CONTROL', `workload must be a non-negative number of bytes per second, got ${bytesPerSec}`);
    const inst = this.instance(name);
    inst.workloadBytesPerSec = bytesPerSec;
    this.event(inst.name, 'workload', bytesPerSec === 0 ? `${inst.name}: application workload stopped` : `${inst.name}: workload ${bytesPerSec} bytes/s`);
  }

  /** Cuts (or restores) the network between the two instances. */
  partitionLink(on: boolean): void {
    if (!this.link) throw new AgmedicError('LAB_CONTROL', 'there is no link to partition');
    if (this.link.partitioned === on) return;
    this.link.partitioned = on;
    if (!on && this.link.seeding?.currentState === 'SEEDING') restartSeeding(this, this.now());
    this.event(null, 'partition', on ? 'network between the instances is cut' : 'network restored');
  }

  /** The next statement on `instance` matching `pattern` fails with `errorNumber` (once). */
  failNext(rule: FailNextRule): void {
    this.instance(rule.instance);
    this.failNextRules.push(rule);
  }

  /** Consumes the first fail-next rule matching this statement, if any. */
  takeFailNext(instance: string, text: string): FailNextRule | undefined {
    const i = this.failNextRules.findIndex(
      (r) => r.instance.toLowerCase() === instance.toLowerCase() && r.pattern.test(text),
    );
    if (i < 0) return undefined;
    return this.failNextRules.splice(i, 1)[0];
  }
}
