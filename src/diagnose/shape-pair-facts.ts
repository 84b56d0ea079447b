/**
 * ARM's link resource → {@link ArmFacts}, and the pair-level facts derived from both sides: which
 * link errors are current, who is primary. Pure.
 */
import { SEEDING_LIMIT_HOURS } from './estimate-seeding.js';
import { blankSide, iso, ms, num, round, str } from './shape-side-facts.js';
import type { ArmFacts, FlowControlFacts, PairFacts, SideFacts } from './types.js';


export function blankArm(configured: boolean): ArmFacts {
  return {
    configured,
    available: false,
    errorCode: '',
    error: '',
    replicaState: '',
    replicaStates: [],
    seedingProgress: '',
    synchronizationHealth: '',
    connectedState: '',
    mostRecentLinkError: 0,
    mostRecentLinkErrorText: '',
    instanceLinkRole: '',
    partnerLinkRole: '',
    replicationMode: '',
    partnerCertName: '',
    partnerCertExpiry: '',
    partnerCertDaysLeft: 0,
  };
}

/**
 * The error number in ARM's `mostRecentLinkError`: a string such as "41973: Link can't be
 * established…" (its exact format is not specified [SPEC]), or an object with a code.
 */
export function linkErrorNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    return linkErrorNumber(o.code ?? o.number ?? o.errorNumber ?? o.message);
  }
  const m = /\b(\d{4,5})\b/.exec(str(value));
  return m ? Number(m[1]) : 0;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** ARM facts from a 2025-01-01 GET of the link; `nowUtc` is the managed instance's clock when known. */
export function shapeArmFacts(body: unknown, nowUtc: string): ArmFacts {
  const arm = blankArm(true);
  arm.available = true;
  const props = isRecord(body) && isRecord(body.properties) ? body.properties : {};
  const dbs = Array.isArray(props.databases) ? props.databases.filter(isRecord) : [];
  const first = dbs.find((d) => str(d.replicaState).endsWith('Error')) ?? dbs[0] ?? {};
  arm.replicaStates = dbs.map((d) => str(d.replicaState));
  arm.replicaState = str(first.replicaState) || str(props.linkState);
  arm.seedingProgress = str(first.seedingProgress);
  arm.synchronizationHealth = str(first.synchronizationHealth);
  arm.connectedState = str(first.connectedState);
  const withError = dbs.find((d) => linkErrorNumber(d.mostRecentLinkError) > 0) ?? first;
  arm.mostRecentLinkError = linkErrorNumber(withError.mostRecentLinkError);
  arm.mostRecentLinkErrorText = typeof withError.mostRecentLinkError === 'string' ? withError.mostRecentLinkError : withError.mostRecentLinkError ? JSON.stringify(withError.mostRecentLinkError) : '';
  arm.instanceLinkRole = str(props.instanceLinkRole);
  arm.partnerLinkRole = str(props.partnerLinkRole);
  arm.replicationMode = str(props.replicationMode);
  const cert = isRecord(first.partnerAuthCertValidity) ? first.partnerAuthCertValidity : {};
  arm.partnerCertName = str(cert.certificateName);
  arm.partnerCertExpiry = iso(cert.expiryDate);
  const now = ms(nowUtc);
  arm.partnerCertDaysLeft = arm.partnerCertExpiry !== '' && !Number.isNaN(now) ? round((ms(arm.partnerCertExpiry) - now) / 86_400_000, 1) : 0;
  return arm;
}

/**
 * Pair facts from both sides and ARM. A link error is *current* when something still shows it
 * failing: the replica is disconnected with it, ARM's state ends in `Error` or says disconnected,
 * or the seeding operation failed with it. Historical ones go to `seenLinkErrors` only.
 */
export function shapePairFacts(input: {
  pair: string;
  link: string;
  targetsFile: string;
  sqlserver: SideFacts;
  mi: SideFacts;
  arm: ArmFacts;
}): PairFacts {
  const { sqlserver, mi, arm } = input;
  const current = new Set<number>();
  const seen = new Set<number>();
  for (const side of [sqlserver, mi]) {
    if (side.remoteLastConnectError > 0) {
      seen.add(side.remoteLastConnectError);
      if (side.remoteConnectedState === 'DISCONNECTED') current.add(side.remoteLastConnectError);
    }
    if (side.seeding.errorCode > 0) {
      seen.add(side.seeding.errorCode);
      if (side.seeding.failed) current.add(side.seeding.errorCode);
    }
  }
  if (arm.mostRecentLinkError > 0) {
    seen.add(arm.mostRecentLinkError);
    if (arm.replicaState.endsWith('Error') || arm.connectedState.toLowerCase() === 'disconnected') current.add(arm.mostRecentLinkError);
  }
  const primaries = [sqlserver.linkRole === 'PRIMARY' ? 'sqlserver' : '', mi.linkRole === 'PRIMARY' ? 'mi' : ''].filter(Boolean);
  const primary = primaries.length === 1 ? primaries[0]! : '';
  const sender = primary === 'sqlserver' ? sqlserver : primary === 'mi' ? mi : undefined;
  const remoteDb = sender?.databases.filter((d) => !d.isLocal) ?? [];
  const flowControl: FlowControlFacts = {
    side: primary,
    sampled: sender?.waits.sampled ?? false,
    sampleSeconds: sender?.waits.sampleSeconds ?? 0,
    transportMsPerSec: sender?.waits.transportMsPerSec ?? 0,
    databaseMsPerSec: sender?.waits.databaseMsPerSec ?? 0,
    logSendQueueKb: Math.max(0, ...remoteDb.map((d) => d.logSendQueueKb)),
    logSendRateKbps: Math.max(0, ...remoteDb.map((d) => d.logSendRateKbps)),
    redoQueueKb: Math.max(0, ...remoteDb.map((d) => d.redoQueueKb)),
    transportGate: sender?.gates.transport ?? 0,
    databaseGate: sender?.gates.database ?? 0,
  };
  const sides: Array<[string, SideFacts]> = [
    ['sqlserver', sqlserver],
    ['mi', mi],
  ];
  const seedSide = sides.find(([, s]) => s.seeding.present && s.seeding.isSource) ?? sides.find(([, s]) => s.seeding.present);
  const seeding = seedSide ? { ...seedSide[1].seeding, side: seedSide[0] } : { ...blankSide('', false).seeding, side: '' };
  const backups = seedSide?.[1].logBackupsDuringSeeding ?? { count: 0, lastName: '', lastStart: '' };
  const database = [sqlserver, mi].flatMap((s) => s.databases.map((d) => d.name)).find(Boolean) ?? [sqlserver, mi].map((s) => s.seeding.database).find(Boolean) ?? '';
  return {
    pair: input.pair,
    link: input.link,
    database,
    targetsFile: input.targetsFile,
    sqlserver,
    mi,
    arm,
    linkErrors: [...current].sort((a, b) => a - b),
    seenLinkErrors: [...seen].sort((a, b) => a - b),
    primary,
    health: sender?.health ?? '',
    flowControl,
    seeding,
    logBackupsDuringSeeding: backups,
    seedingLimitHours: SEEDING_LIMIT_HOURS,
  };
}

export { blankSide, num };
