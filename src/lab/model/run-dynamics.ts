import { bytesEqual } from './ids.js';
import type { InstanceState, LabEvent, LinkError, LinkSide, LinkState, WaitStat } from './types.js';

/** The part of LabWorld the dynamics need (kept structural so lab-world.ts can import this file). */
export interface DynamicsWorld {
  link: LinkState | null;
  readonly instances: Map<string, InstanceState>;
  readonly droppedOn: Set<string>;
  event(instance: string | null, kind: string, message: string): void;
  readonly events: LabEvent[];
}

/**
 * Flow-control gates in messages [MON]: SQL Server 2022 (or TF 12310) raises the transport gate to
 * 16384 and the database gate to 7168; older builds use 8192 and 1792.
 */
export function flowControlGates(inst: InstanceState): { transport: number; database: number } {
  const raised = inst.majorVersion >= 16 || inst.kind === 'mi' || inst.traceFlags.includes(12310);
  return raised ? { transport: 16384, database: 7168 } : { transport: 8192, database: 1792 };
}

/** Average size of a log block message; gates count messages, so bytes in flight are divided by this. */
export const MESSAGE_BYTES = 4096;

export interface Connectivity {
  connected: boolean;
  error: LinkError | null;
  reason: string;
}

function instanceOf(w: DynamicsWorld, name: string): InstanceState {
  return w.instances.get(name.toLowerCase())!;
}

/**
 * Whether the two endpoints can talk: both up, network intact, each side's endpoint certificate valid
 * and trusted by the other side [TS]: 41973 (SQL Server cert not trusted by the MI), 41974 (MI cert not
 * imported into SQL Server), 35206 (connection timeout on an established connection).
 */
export function linkConnectivity(w: DynamicsWorld, at: number): Connectivity {
  const link = w.link;
  if (!link) return { connected: false, error: null, reason: 'no link' };
  const err = (number: number, message: string, reason: string): Connectivity => ({
    connected: false,
    error: { number, message, at },
    reason,
  });
  if (link.creationError) return { connected: false, error: link.creationError, reason: 'link creation failed' };
  if (link.sides.some((s) => w.droppedOn.has(s.instance))) return { connected: false, error: null, reason: 'link dropped on one side' };
  const [a, b] = link.sides.map((s) => instanceOf(w, s.instance)) as [InstanceState, InstanceState];
  for (const inst of [a, b]) {
    if (!inst.up) return err(41986, `Link can't be established because the connection failed or the secondary replica isn't responsive (${inst.name} is not running).`, `${inst.name} down`);
  }
  if (link.partitioned) return err(35206, 'A connection timeout has occurred on a previously established connection to availability replica.', 'network partition');
  const sql = a.kind === 'sqlserver' ? a : b;
  const mi = a.kind === 'mi' ? a : b;
  const sqlCert = sql.certificates.find((c) => c.certificateId === sql.endpoint.certificateId);
  const trusted = sqlCert && mi.trustCertificates.some((t) => bytesEqual(t.publicKey, sqlCert.publicKey));
  if (!sqlCert || !trusted || sqlCert.expiryDate < at) {
    const why = !sqlCert ? 'has no certificate' : !trusted ? `uses certificate '${sqlCert.name}' that the managed instance does not trust` : `certificate '${sqlCert.name}' expired`;
    return err(41973, `Link can't be established because endpoint certificate from SQL Server wasn't imported into Azure SQL Managed Instance correctly (endpoint ${why}).`, `SQL Server endpoint ${why}`);
  }
  const miCert = mi.certificates.find((c) => c.certificateId === mi.endpoint.certificateId);
  if (!miCert || !sql.certificates.some((c) => bytesEqual(c.publicKey, miCert.publicKey)) || miCert.expiryDate < at) {
    return err(41974, "Link can't be established because endpoint certificate from SQL Managed Instance wasn't imported into SQL Server correctly.", 'MI endpoint certificate not trusted by SQL Server');
  }
  if (link.sides.every((s) => s.role === 'PRIMARY')) return { connected: false, error: null, reason: 'both sides PRIMARY (split brain)' };
  return { connected: true, error: null, reason: 'connected' };
}

export function primarySide(link: LinkState): LinkSide | undefined {
  const primaries = link.sides.filter((s) => s.role === 'PRIMARY');
  return primaries.length === 1 ? primaries[0] : undefined;
}

/** Whether both sides' configurations say SYNCHRONOUS_COMMIT for both replicas. */
export function isSynchronousEverywhere(link: LinkState): boolean {
  return link.sides.every((s) => Object.values(s.modes).every((m) => m === 'SYNCHRONOUS_COMMIT'));
}

/** Starts seeding over (after a restart or a network drop [TS]): nothing transferred, one more attempt. */
export function restartSeeding(w: DynamicsWorld, at: number): void {
  const link = w.link;
  const seeding = link?.seeding;
  if (!link || !seeding) return;
  const primary = primarySide(link);
  seeding.transferredBytes = 0;
  seeding.attempts++;
  seeding.startTime = at;
  seeding.basePos = primary?.logEnd ?? seeding.basePos;
  seeding.logBackupDuringSeeding = false;
  w.event(null, 'seeding-restart', `seeding of ${link.databaseName} restarted (attempt ${seeding.attempts})`);
}

function addWait(inst: InstanceState, type: string, tasks: number, ms: number, maxMs: number): void {
  const ws: WaitStat =
    inst.waits.get(type) ?? { waitType: type, waitingTasksCount: 0, waitTimeMs: 0, maxWaitTimeMs: 0, signalWaitTimeMs: 0 };
  ws.waitingTasksCount += tasks;
  ws.waitTimeMs += ms;
  ws.maxWaitTimeMs = Math.max(ws.maxWaitTimeMs, maxMs);
  ws.signalWaitTimeMs += ms / 50;
  inst.waits.set(type, ws);
}

function generateLog(w: DynamicsWorld, link: LinkState, s: number, at: number, connected: boolean): void {
  for (const side of link.sides) {
    const inst = instanceOf(w, side.instance);
    const db = inst.databases.find((d) => d.name.toLowerCase() === link.databaseName.toLowerCase());
    if (s <= 0 || side.role !== 'PRIMARY' || !inst.up || inst.workloadBytesPerSec <= 0 || db?.stateDesc !== 'ONLINE') continue;
    let rate = inst.workloadBytesPerSec;
    // Synchronous commit makes each commit wait for the partner's harden, so throughput is capped by the link.
    const partner = link.sides[0] === side ? link.sides[1] : link.sides[0];
    const sync = connected && !link.seeding && Object.values(side.modes).every((m) => m === 'SYNCHRONOUS_COMMIT');
    if (sync) {
      rate = Math.min(rate, link.bandwidthBytesPerSec);
      const commits = Math.max(1, Math.round(s * 20));
      addWait(inst, 'HADR_SYNC_COMMIT', commits, commits * 3, 12);
    }
    side.logEnd += rate * s;
    side.hardened = side.logEnd;
    side.redone = side.logEnd;
    side.lastCommitPos = side.logEnd;
    side.lastCommitTime = at;
    void partner;
  }
}

function seed(w: DynamicsWorld, link: LinkState, s: number, at: number, connected: boolean): void {
  const seeding = link.seeding!;
  if (seeding.currentState !== 'SEEDING') return;
  const primary = primarySide(link);
  const sourceInst = primary ? instanceOf(w, primary.instance) : undefined;
  if (!connected || !primary) {
    seeding.networkWaitMs += s * 1000;
    return;
  }
  const rate = Math.min(seeding.rateBytesPerSec, link.bandwidthBytesPerSec);
  seeding.transferredBytes = Math.min(seeding.databaseSizeBytes, seeding.transferredBytes + rate * s);
  seeding.diskIoWaitMs += s * 40;
  if (sourceInst) addWait(sourceInst, 'HADR_PHYSICAL_SEEDING_BACKUP_WAIT', 1, s * 200, 250);
  if (seeding.transferredBytes < seeding.databaseSizeBytes) return;
  seeding.completionTime = at;
  const secondary = w.link!.sides.find((x) => x !== primary)!;
  if (seeding.logBackupDuringSeeding) {
    // The log the seeded copy needs to roll forward was backed up and truncated meanwhile [TS].
    seeding.currentState = 'FAILED';
    seeding.failureCode = 1412;
    seeding.failureDesc = 'Seeding check message timeout';
    link.creationError = {
      number: 1412,
      message: `The remote copy of database "${link.databaseName}" has not been rolled forward to a point in time that is encompassed in the local copy of the database log.`,
      at,
    };
    link.mostRecentError = link.creationError;
    w.event(secondary.instance, 'seeding-failed', `seeding of ${link.databaseName} failed: error 1412`);
    return;
  }
  seeding.currentState = 'COMPLETED';
  secondary.logEnd = secondary.hardened = secondary.redone = seeding.basePos;
  secondary.lastCommitPos = seeding.basePos;
  w.event(secondary.instance, 'seeding-completed', `seeding of ${link.databaseName} completed`);
}

function replicate(w: DynamicsWorld, link: LinkState, s: number, at: number): void {
  const primary = primarySide(link);
  if (!primary) return;
  const secondary = link.sides.find((x) => x !== primary)!;
  if (primary.isSuspended || secondary.isSuspended) return;
  const queue = primary.logEnd - secondary.hardened;
  const sent = Math.min(queue, link.bandwidthBytesPerSec * s);
  secondary.hardened += sent;
  secondary.logEnd = secondary.hardened;
  secondary.redone += Math.min(secondary.hardened - secondary.redone, link.redoBytesPerSec * s);
  if (secondary.hardened >= primary.lastCommitPos) {
    secondary.lastCommitPos = primary.lastCommitPos;
    secondary.lastCommitTime = primary.lastCommitTime;
  } else if (sent > 0) {
    secondary.lastCommitPos = secondary.hardened;
    secondary.lastCommitTime = at - Math.round(((primary.logEnd - secondary.hardened) / Math.max(1, link.bandwidthBytesPerSec)) * 1000);
  }
  const left = primary.logEnd - secondary.hardened;
  const inFlight = left / MESSAGE_BYTES;
  const inst = instanceOf(w, primary.instance);
  const gates = flowControlGates(inst);
  if (inFlight > gates.database) addWait(inst, 'DBMIRROR_SEND', Math.ceil(s * 10), s * 1000, 1000);
  if (inFlight > gates.transport) addWait(inst, 'HADR_TRANSPORT_FLOW_CONTROL', Math.ceil(s * 50), s * 1000, 1000);
  if (sent > 0) addWait(inst, 'HADR_LOGCAPTURE_WAIT', Math.ceil(s), s * 5, 5);
}

/**
 * One step of the simulation: workload writes log on the primary, seeding progresses, the secondary
 * hardens and redoes at the link's rates, flow-control waits accumulate when the queue passes the gates.
 */
export function runDynamics(w: DynamicsWorld, stepMs: number, at: number): void {
  const link = w.link;
  if (!link) return;
  const s = stepMs / 1000;
  const conn = linkConnectivity(w, at);
  const wasError = link.mostRecentError;
  if (conn.error && (!wasError || wasError.number !== conn.error.number)) {
    link.mostRecentError = conn.error;
    for (const side of link.sides) side.lastConnectError = { number: conn.error.number, description: conn.error.message, at };
    w.event(null, 'link-error', `link down: ${conn.reason} (error ${conn.error.number})`);
  }
  generateLog(w, link, s, at, conn.connected);
  if (link.seeding && link.seeding.currentState !== 'COMPLETED') {
    seed(w, link, s, at, conn.connected);
    return;
  }
  if (conn.connected) replicate(w, link, s, at);
}
