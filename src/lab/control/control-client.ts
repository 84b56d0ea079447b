import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { AgmedicError } from '../../errors.js';
import type { LabFault, LabPairState, LabStatement } from './types.js';

/** What `agmedic lab up` writes so `agmedic lab fault` in another shell can find it (mode 0600: it holds the token). */
export interface LabStateFile {
  pid: number;
  control: { url: string; token: string };
  targets?: string;
  pairs: { scenario: string; sqlserver: { host: string; port: number }; mi: { host: string; port: number }; arm: { url: string } }[];
}

/** `$AGMEDIC_HOME/lab.json` (default `~/.agmedic/lab.json`): where `lab up` writes its state unless told otherwise. */
export function defaultLabStateFile(): string {
  return join(process.env.AGMEDIC_HOME || join(homedir(), '.agmedic'), 'lab.json');
}

export function readLabStateFile(file: string): LabStateFile {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new AgmedicError('LAB_CONTROL', `cannot read the lab state file ${file} (is \`agmedic lab up\` running?)`, { cause });
  }
  const o = doc as Partial<LabStateFile>;
  if (typeof o.control?.url !== 'string' || typeof o.control.token !== 'string') {
    throw new AgmedicError('LAB_CONTROL', `${file} is not a lab state file (no control url and token)`);
  }
  return o as LabStateFile;
}

/**
 * Talks to a running lab's control port (see start-control-server.ts).
 *
 * @example
 * const client = labControlClient({ url: 'http://127.0.0.1:40211', token });
 * await client.fault({ kind: 'restart', instance: 'sqlserver' });
 */
export function labControlClient(target: { url: string; token: string }): {
  state(pair?: number): Promise<LabPairState[]>;
  fault(fault: LabFault, pair?: number): Promise<LabPairState>;
  statements(since?: number): Promise<{ next: number; statements: LabStatement[] }>;
} {
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> => {
    let res: Response;
    try {
      res = await fetch(new URL(path, target.url), {
        method,
        headers: { authorization: `Bearer ${target.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (cause) {
      throw new AgmedicError('CONNECT_FAILED', `cannot reach the lab control port at ${target.url}`, { cause });
    }
    const doc = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
    if (res.status === 401) throw new AgmedicError('LAB_CONTROL_AUTH', 'the lab refused the control token');
    if (!res.ok) throw new AgmedicError('LAB_CONTROL', doc.error?.message ?? `control request failed with HTTP ${res.status}`);
    return doc;
  };
  return {
    state: async (pair) => ((await call('GET', pair === undefined ? '/state' : `/state?pair=${pair}`)) as { pairs: LabPairState[] }).pairs,
    fault: async (fault, pair = 0) => ((await call('POST', '/fault', { pair, fault })) as { state: LabPairState }).state,
    statements: async (since = 0) => (await call('GET', `/statements?since=${since}`)) as { next: number; statements: LabStatement[] },
  };
}
