import { AgmedicError } from '../../errors.js';
import { addTrustCertificate, getLinkView, removeTrustCertificate } from '../model/link-api.js';
import { recreateLink } from '../model/recreate-link.js';
import type { LabWorld } from '../model/lab-world.js';
import type { InstanceState, ReplicaRole } from '../model/types.js';
import type { TdsServer } from '../tds/types.js';
import type { LabFault, LabInstanceRef, LabPairControl, LabPairState } from './types.js';

/** What the control needs of one pair. */
export interface PairParts {
  index: number;
  scenario: string;
  world: LabWorld;
  servers: { sqlserver: TdsServer; mi: TdsServer };
  /** Aborted when the lab closes: stops the wake-up after a restart. */
  signal?: AbortSignal;
}

/** How often a restarted instance is checked for being back (real time). */
const RESTART_POLL_MS = 200;

/** Longest statement delay accepted: a larger one is a typo that would hang every client. */
const MAX_DELAY_MS = 10 * 60_000;

/**
 * State inspection and fault injection for one pair: network faults act on the TDS servers,
 * instance and link faults on the model (so both the DMVs and ARM see them).
 *
 * @example
 * const control = createPairControl({ index: 0, scenario: 'healthy', world, servers });
 * control.failNext('sqlserver', /^ALTER AVAILABILITY GROUP/i, 41190);
 */
export function createPairControl(parts: PairParts): LabPairControl {
  const { world, servers } = parts;
  const refusing = { sqlserver: false, mi: false };
  const delays = { sqlserver: 0, mi: 0 };

  const resolve = (ref: LabInstanceRef): { kind: 'sqlserver' | 'mi'; inst: InstanceState; server: TdsServer } => {
    const kind: 'sqlserver' | 'mi' | undefined = ref === 'sqlserver' ? 'sqlserver' : ref === 'mi' ? 'mi' : world.findInstance(ref)?.kind;
    if (!kind) throw new AgmedicError('LAB_CONTROL', `no instance "${ref}" in the lab; use sqlserver, mi, SQL01 or mi-lab`);
    const inst = [...world.instances.values()].find((i) => i.kind === kind)!;
    return { kind, inst, server: servers[kind] };
  };
  /**
   * The model brings an instance back only when something syncs it, and a login does not: with no
   * other traffic every login failed forever. Syncing until it is up makes a restart end by itself.
   */
  const wakeWhenBack = (inst: InstanceState): void => {
    const timer = setInterval(() => {
      if (parts.signal?.aborted) return clearInterval(timer);
      world.sync();
      if (inst.up) clearInterval(timer);
    }, RESTART_POLL_MS);
    timer.unref();
  };
  const roleOf = (inst: InstanceState): ReplicaRole | null => world.sideOf(inst.name)?.role ?? null;

  const control: LabPairControl = {
    state(): LabPairState {
      world.sync();
      const link = world.link;
      const miInst = resolve('mi').inst;
      return {
        pair: parts.index,
        scenario: parts.scenario,
        now: new Date(world.now()).toISOString(),
        instances: (['sqlserver', 'mi'] as const).map((kind) => {
          const { inst, server } = resolve(kind);
          return {
            name: inst.name,
            kind,
            up: inst.up,
            role: roleOf(inst),
            connections: server.connectionCount(),
            refusing: refusing[kind],
            statementDelayMs: delays[kind],
          };
        }),
        link: link ? (getLinkView(world, miInst.name, link.dagName) ?? null) : null,
        partitioned: link?.partitioned ?? false,
      };
    },
    roles() {
      world.sync();
      return { sqlserver: roleOf(resolve('sqlserver').inst), mi: roleOf(resolve('mi').inst) };
    },
    linkView() {
      const link = world.link;
      return link ? (getLinkView(world, resolve('mi').inst.name, link.dagName) ?? null) : null;
    },
    dropConnections(ref) {
      resolve(ref).server.dropAllConnections();
    },
    refuseConnections(ref, on) {
      const { kind, server } = resolve(ref);
      refusing[kind] = on;
      server.setRefuseConnections(on);
    },
    delayStatements(ref, ms) {
      if (!Number.isFinite(ms) || ms < 0 || ms > MAX_DELAY_MS) {
        throw new AgmedicError('LAB_CONTROL', `a statement delay must be between 0 and ${MAX_DELAY_MS} ms, not ${ms}`);
      }
      const { kind, server } = resolve(ref);
      delays[kind] = ms;
      server.setStatementDelay(ms);
    },
    failNext(ref, pattern, errorNumber, message) {
      if (!Number.isInteger(errorNumber) || errorNumber < 1) {
        throw new AgmedicError('LAB_CONTROL', `an error number must be a positive integer, not ${errorNumber}`);
      }
      let re: RegExp;
      try {
        re = typeof pattern === 'string' ? new RegExp(pattern, 'i') : pattern;
      } catch (cause) {
        throw new AgmedicError('LAB_CONTROL', `bad pattern ${JSON.stringify(pattern)}: not a regular expression`, { cause });
      }
      const rule = { instance: resolve(ref).inst.name, pattern: re, errorNumber };
      world.failNext(message === undefined ? rule : { ...rule, message });
    },
    restartInstance(ref) {
      const { inst, server } = resolve(ref);
      world.restartInstance(inst.name);
      // A restarted server closes every session; the model already forgot them.
      server.dropAllConnections();
      wakeWhenBack(inst);
    },
    partitionLink(on) {
      world.partitionLink(on);
    },
    setWorkload(ref, bytesPerSec) {
      world.sync();
      world.setWorkload(resolve(ref).inst.name, bytesPerSec);
    },
    trustCertificate(name, on, certificate) {
      world.sync();
      const mi = resolve('mi').inst;
      if (!on) {
        if (!removeTrustCertificate(world, mi.name, name)) throw new AgmedicError('LAB_CONTROL', `${mi.name} has no trust certificate named "${name}"`);
        return;
      }
      const sql = resolve('sqlserver').inst;
      const source = certificate ?? name;
      const cert = sql.certificates.find((c) => c.name.toLowerCase() === source.toLowerCase());
      if (!cert) throw new AgmedicError('LAB_CONTROL', `${sql.name} has no certificate named "${source}" whose public key could be uploaded`);
      addTrustCertificate(world, mi.name, name, cert.publicKey);
    },
    recreateLink(dropMiDatabase) {
      world.sync();
      recreateLink(world, { dropMiDatabase });
    },
    apply(fault: LabFault) {
      switch (fault.kind) {
        case 'drop-connections':
          return control.dropConnections(fault.instance);
        case 'refuse-connections':
          return control.refuseConnections(fault.instance, fault.on);
        case 'delay-statements':
          return control.delayStatements(fault.instance, fault.ms);
        case 'fail-next':
          return control.failNext(fault.instance, fault.pattern, fault.errorNumber, fault.message);
        case 'restart':
          return control.restartInstance(fault.instance);
        case 'partition':
          return control.partitionLink(fault.on);
        case 'workload':
          return control.setWorkload(fault.instance, fault.bytesPerSec);
        case 'trust-certificate':
          return control.trustCertificate(fault.name, fault.on, fault.certificate);
        case 'recreate-link':
          return control.recreateLink(fault.dropMiDatabase);
        default:
          throw new AgmedicError('LAB_CONTROL', `unknown fault kind ${JSON.stringify((fault as { kind?: unknown }).kind)}`);
      }
    },
  };
  return control;
}
