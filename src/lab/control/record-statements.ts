import { appendFileSync } from 'node:fs';
import { AgmedicError } from '../../errors.js';
import type { LabWorld } from '../model/lab-world.js';
import type { StatementLogEntry } from '../model/types.js';
import type { LabStatement } from './types.js';

/** Parameter values as JSON can carry them: the log is read by other processes and tests. */
export function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return `0x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  return value;
}

export function toLabStatement(pair: number, e: StatementLogEntry): LabStatement {
  return {
    pair,
    instance: e.instance,
    time: new Date(e.at).toISOString(),
    spid: e.spid,
    text: e.text,
    params: e.params.map((p) => ({ name: p.name, value: jsonSafe(p.value) })),
    outcome: e.outcome,
  };
}

/**
 * Appends every statement the world records to `file` as one JSON line tagged with its pair.
 * Synchronous appends keep lines whole and in order even when the lab is killed mid-run, which is
 * what a test proving "sent exactly once" needs. The file is checked writable up front; a later
 * write failure (disk full) must not take the simulated instance down, so it is only counted.
 */
export function appendStatementsTo(world: LabWorld, pair: number, file: string): { failures: () => number } {
  try {
    appendFileSync(file, '');
  } catch (cause) {
    throw new AgmedicError('LAB_CONTROL', `cannot write the statement log ${file}`, { cause });
  }
  let failures = 0;
  const record = world.recordStatement.bind(world);
  world.recordStatement = (entry: StatementLogEntry): void => {
    record(entry);
    try {
      appendFileSync(file, `${JSON.stringify(toLabStatement(pair, entry))}\n`);
    } catch {
      failures++;
    }
  };
  return { failures: () => failures };
}
