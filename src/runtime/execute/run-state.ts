/** What every part of one execution shares: options, the plan's statements, the latest facts. */
import type { PlanQuery } from '../../compile/types.js';
import type { AgmedicError } from '../../errors.js';
import type { Step } from '../../runbook/schema.js';
import type { ExecuteOptions } from '../types.js';
import type { CelFailure } from './cel-scope.js';
import type { Ledger } from './ledger.js';
import type { Recorder } from './recorder.js';

export type QueryPhase = 'check' | 'recheck' | 'execute' | 'verify' | 'poll';

export interface RunState {
  opts: ExecuteOptions;
  steps: ReadonlyMap<string, Step>;
  recorder: Recorder;
  ledger: Ledger;
  /** Facts as they were when the running actor was invoked (bind values read them). */
  facts: Record<string, unknown>;
  /** Facts recorded since the facts log was last written (see `persist` in execute-run). */
  factsChanged: Set<string>;
  /** When each wait (by `<step>#<entry>`) started, and how often it polled. */
  waits: Map<string, { startedAt: number; polls: number }>;
  celError: CelFailure;
  /** Ends the run resumably at once: a query could not ask its target (see could-not-ask.ts). */
  stopResumable: (err: AgmedicError) => void;
  /** The plan's query for a step and phase (recheck uses the check step's query). */
  query(step: string, phase: QueryPhase): PlanQuery;
}

/** The runbook field a phase's query comes from. */
export const FIELD_OF: Record<QueryPhase, 'check' | 'action' | 'verify' | 'wait'> = {
  check: 'check',
  recheck: 'check',
  execute: 'action',
  verify: 'verify',
  poll: 'wait',
};
