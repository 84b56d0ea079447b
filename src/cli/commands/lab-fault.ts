import { AgmedicError } from '../../errors.js';
// Not lab/index.js: that loads the whole simulator (alasql, selfsigned), and this only talks HTTP.
import { defaultLabStateFile, labControlClient, readLabStateFile } from '../../lab/control/control-client.js';
import { LAB_FAULT_KINDS, type LabFault, type LabPairState } from '../../lab/control/types.js';
import { EXIT } from '../exit-codes.js';
import type { Output } from '../output.js';

export interface LabConnectOptions {
  control?: string;
  token?: string;
  state?: string;
  pair: string;
  json?: boolean;
}

export interface LabFaultOptions extends LabConnectOptions {
  on?: boolean;
  off?: boolean;
  ms?: string;
  pattern?: string;
  error?: string;
  message?: string;
  rate?: string;
  name?: string;
  certificate?: string;
  dropMiDatabase?: boolean;
}

/** The control URL and token: flags, then AGMEDIC_LAB_CONTROL(_TOKEN), then the state file `lab up` wrote. */
function target(opts: LabConnectOptions): { url: string; token: string } {
  const url = opts.control ?? process.env.AGMEDIC_LAB_CONTROL;
  const token = opts.token ?? process.env.AGMEDIC_LAB_CONTROL_TOKEN;
  if (url !== undefined && token !== undefined) return { url, token };
  if (url !== undefined || token !== undefined) throw new AgmedicError('USAGE', '--control and --token go together (or use --state FILE)');
  return readLabStateFile(opts.state ?? process.env.AGMEDIC_LAB_STATE ?? defaultLabStateFile()).control;
}

function pairIndex(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new AgmedicError('USAGE', `--pair counts from 1, not "${text}"`);
  return n - 1;
}

function buildFault(kind: string, instance: string | undefined, opts: LabFaultOptions): LabFault {
  if (!(LAB_FAULT_KINDS as readonly string[]).includes(kind)) {
    throw new AgmedicError('USAGE', `unknown fault "${kind}"; one of ${LAB_FAULT_KINDS.join(', ')}`);
  }
  const on = (): boolean => {
    if (opts.on && opts.off) throw new AgmedicError('USAGE', '--on and --off exclude each other');
    return !opts.off;
  };
  if (kind === 'partition') return { kind, on: on() };
  if (kind === 'recreate-link') return { kind, dropMiDatabase: opts.dropMiDatabase === true };
  if (kind === 'trust-certificate') {
    if (opts.name === undefined) throw new AgmedicError('USAGE', 'trust-certificate needs --name NAME (the trust certificate on the managed instance)');
    return { kind, name: opts.name, on: on(), ...(opts.certificate === undefined ? {} : { certificate: opts.certificate }) };
  }
  if (instance === undefined) throw new AgmedicError('USAGE', `fault ${kind} needs an instance: sqlserver, mi, SQL01 or mi-lab`);
  switch (kind) {
    case 'drop-connections':
    case 'restart':
      return { kind, instance };
    case 'refuse-connections':
      return { kind, instance, on: on() };
    case 'workload': {
      const bytesPerSec = opts.off ? 0 : Number(opts.rate);
      if (!Number.isFinite(bytesPerSec) || bytesPerSec < 0) throw new AgmedicError('USAGE', 'workload needs --rate BYTES_PER_SECOND (or --off to stop it)');
      return { kind, instance, bytesPerSec };
    }
    case 'delay-statements': {
      const ms = Number(opts.ms ?? (opts.off ? 0 : NaN));
      if (!Number.isFinite(ms) || ms < 0) throw new AgmedicError('USAGE', 'delay-statements needs --ms N (or --off)');
      return { kind, instance, ms };
    }
    default: {
      const errorNumber = Number(opts.error);
      if (opts.pattern === undefined || !Number.isInteger(errorNumber) || errorNumber < 1) {
        throw new AgmedicError('USAGE', 'fail-next needs --pattern REGEX and --error NUMBER');
      }
      return { kind: 'fail-next', instance, pattern: opts.pattern, errorNumber, ...(opts.message === undefined ? {} : { message: opts.message }) };
    }
  }
}

function renderState(s: LabPairState): string {
  const inst = s.instances.map(
    (i) => `${i.name}: ${i.up ? 'up' : 'DOWN'}, role ${i.role ?? '-'}, ${i.connections} connection(s)${i.refusing ? ', REFUSING' : ''}${i.statementDelayMs ? `, delay ${i.statementDelayMs} ms` : ''}`,
  );
  const db = s.link?.databases[0];
  const link = s.link ? `link ${s.link.distributedAvailabilityGroupName}: ${db?.replicaState ?? '?'}, ${db?.connectedState ?? '?'}${s.partitioned ? ', PARTITIONED' : ''}` : 'no link on the managed instance';
  return [`pair ${s.pair + 1} (${s.scenario}) at ${s.now}`, ...inst.map((l) => `  ${l}`), `  ${link}`].join('\n');
}

/** `agmedic lab fault KIND [INSTANCE]`: injects a fault into a running `agmedic lab up` from another process. */
export async function labFaultCommand(kind: string, instance: string | undefined, opts: LabFaultOptions, output: Output): Promise<number> {
  const fault = buildFault(kind, instance, opts);
  const state = await labControlClient(target(opts)).fault(fault, pairIndex(opts.pair));
  output.out(opts.json ? JSON.stringify(state) : `applied ${kind}\n${renderState(state)}`);
  return EXIT.ok;
}

/** `agmedic lab state`: roles, connections and the link as the running lab sees them. */
export async function labStateCommand(opts: LabConnectOptions & { all?: boolean }, output: Output): Promise<number> {
  const states = await labControlClient(target(opts)).state(opts.all ? undefined : pairIndex(opts.pair));
  output.out(opts.json ? JSON.stringify(states) : states.map(renderState).join('\n'));
  return EXIT.ok;
}
