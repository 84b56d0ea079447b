/**
 * Exactly once for Azure changes. ARM carries a change out after answering 202, so "sent" and
 * "done" are seconds (in Azure, minutes) apart, and a crash in between leaves the change running
 * with nobody watching. The journal therefore records the operation's polling URL the moment ARM
 * accepts it (`accepted`), and:
 * - resume follows that operation to its end, then lets the step's verify decide — never re-sends;
 * - without a URL (the crash came before it was journalled) resume reads the resource and verify decides;
 * - a `409 AnotherOperationInProgress` (ours from before a crash, or someone else's) is waited out:
 *   verify is asked after each wait, and the change is sent again only while verify says it is not done.
 */
import { AgmedicError, isAgmedicError } from '../../errors.js';
import type { IntentEntry } from '../../ports/journal.js';
import type { Timers } from '../../ports/timers.js';
import type { PlanQuery } from '../../compile/types.js';
import type { AzureCallOptions } from '../../ports/azure-link.js';
import type { QueryPhase, RunState } from './run-state.js';

/** What settling needs of the QueryRunner (send-query.ts), named here so the two files do not import each other. */
export interface AzureSender {
  send(step: string, phase: QueryPhase, q: PlanQuery, role: string, signal: AbortSignal, timeoutMs?: number, onAccepted?: AzureCallOptions['onAccepted']): Promise<unknown>;
  sendRead(step: string, role: string, operation: 'get' | 'getTrustCertificate', signal: AbortSignal): Promise<unknown>;
  verifies(step: string, signal: AbortSignal): Promise<boolean>;
}

/** ARM's advice when nothing says how long to wait. */
const CONFLICT_POLL_MS = 2_000;
/** How long a change waits for another operation on the same resource when the step sets no timeout. */
const CONFLICT_WAIT_MS = 30 * 60_000;
/**
 * ARM error codes meaning "another operation holds this resource; nothing was started": the
 * emulator's and ARM's generic one, and the SQL resource provider's own.
 */
const CONFLICT_CODES = new Set(['AnotherOperationInProgress', 'ConflictingServerOperation', 'OperationInProgress']);

export interface AzureChangeInput {
  step: string;
  role: string;
  /** The ledger key the change's intent was journalled under. */
  key: string;
  signal: AbortSignal;
  timeoutMs?: number;
}

export interface AzureChangeResult {
  body: unknown;
  /** `sent`: our request did it. `verify`: while waiting out a conflict, verify found it already done. */
  settledBy: 'sent' | 'verify';
}

/** True when ARM refused because another operation is running on the resource. */
export function isAzureConflict(err: unknown): boolean {
  return isAgmedicError(err) && err.code === 'AZURE_ERROR' && err.details?.status === 409 && CONFLICT_CODES.has(String(err.details?.armCode));
}

/**
 * After an Azure change failed: is its effect unknown? No HTTP answer at all (status 0) means the
 * request may have reached ARM; a 5xx after ARM accepted it means we lost track, not that it failed.
 */
export function azureOutcomeUnknown(err: unknown, accepted: boolean): boolean {
  if (!isAgmedicError(err) || err.code !== 'AZURE_ERROR') return false;
  const status = typeof err.details?.status === 'number' ? err.details.status : 0;
  return status === 0 || (accepted && status >= 500);
}

/**
 * Sends one Azure change, journalling ARM's operation URL before polling it; waits out conflicts.
 *
 * @example
 * const { body, settledBy } = await sendAzureChange(rs, runner, { step: 'failover', role: 'mi', key, signal });
 */
export async function sendAzureChange(rs: RunState, runner: AzureSender, input: AzureChangeInput): Promise<AzureChangeResult> {
  const q = rs.query(input.step, 'execute');
  const { opts, ledger } = rs;
  const onAccepted = async (operation: { asyncOperationUrl?: string; locationUrl?: string }): Promise<void> => {
    await ledger.append({ type: 'accepted', key: input.key, at: opts.clock.now().toISOString(), operation: { ...operation } });
  };
  const deadline = opts.clock.now().getTime() + (input.timeoutMs ?? CONFLICT_WAIT_MS);
  for (;;) {
    try {
      return { body: await runner.send(input.step, 'execute', q, input.role, input.signal, input.timeoutMs, onAccepted), settledBy: 'sent' };
    } catch (err) {
      if (!isAzureConflict(err) || opts.clock.now().getTime() >= deadline) throw err;
      rs.recorder.record({ type: 'in-doubt', runId: opts.runId, step: input.step, target: input.role, reason: 'Azure is running another operation on this resource; waiting for it, then verify decides' });
      await pause(opts.timers, CONFLICT_POLL_MS, input.signal);
      if (rs.steps.get(input.step)?.verify && (await runner.verifies(input.step, input.signal))) return { body: {}, settledBy: 'verify' };
    }
  }
}

/**
 * Settles one in-doubt Azure change on resume: follows the operation ARM accepted (if the journal
 * has its URL) to its end, or reads the resource when it has none; then verify decides. Without a
 * verify, a followed operation that succeeded counts as done. Errors that leave the outcome unknown
 * (the operation could not be polled) propagate: the run stays resumable and the change in doubt.
 *
 * @example
 * const done = await settleAzureIntent(rs, runner, intent, signal);
 */
export async function settleAzureIntent(rs: RunState, runner: AzureSender, intent: IntentEntry, signal: AbortSignal): Promise<{ done: boolean; operation: 'succeeded' | 'failed' | 'none' }> {
  const { opts } = rs;
  const link = opts.targets.azure[intent.target];
  if (!link) throw new AgmedicError('TARGET_MISSING', `step ${intent.step}: target ${intent.target} has no Azure coordinates to settle its in-doubt change`, { details: { role: intent.target } });
  const accepted = rs.ledger.acceptedOf(intent.key);
  let operation: 'succeeded' | 'failed' | 'none' = 'none';
  if (accepted && (accepted.operation.asyncOperationUrl !== undefined || accepted.operation.locationUrl !== undefined)) {
    const started = opts.clock.now().getTime();
    try {
      const res = await link.poll(accepted.operation, { signal });
      operation = 'succeeded';
      rs.recorder.record({ type: 'azure-call', runId: opts.runId, step: intent.step, target: intent.target, method: res.request.method, path: res.request.path, apiVersion: res.request.apiVersion, status: res.status, durationMs: res.durationMs });
    } catch (err) {
      const status = isAgmedicError(err) && typeof err.details?.status === 'number' ? err.details.status : 0;
      if (!isAgmedicError(err) || err.code !== 'AZURE_ERROR' || status === 0 || status >= 500) throw err;
      operation = 'failed';
      rs.recorder.record({ type: 'azure-call', runId: opts.runId, step: intent.step, target: intent.target, method: 'GET', path: `${intent.target}/operation`, apiVersion: '', status, durationMs: Math.max(0, opts.clock.now().getTime() - started) });
    }
  } else {
    // No URL: ARM may never have seen the change, or took it just before the crash. Reading the
    // resource puts its current state on the record; verify then decides.
    const q = rs.query(intent.step, 'execute');
    const read = q.azure && readOpFor(q.azure.operation);
    // A resource that is gone (404) is an answer too; anything else (unreachable, refused) leaves the
    // change in doubt and must not be papered over by a verify that then fails for the same reason.
    if (read) {
      await runner.sendRead(intent.step, intent.target, read, signal).catch((err: unknown) => {
        if (!(isAgmedicError(err) && err.code === 'AZURE_ERROR' && err.details?.status === 404)) throw err;
      });
    }
  }
  const verify = rs.steps.get(intent.step)?.verify;
  const done = verify ? await runner.verifies(intent.step, signal) : operation === 'succeeded';
  return { done, operation };
}

/** The read that shows a change's resource. */
function readOpFor(op: string): 'get' | 'getTrustCertificate' | undefined {
  if (op === 'update' || op === 'failover' || op === 'setRole' || op === 'delete') return 'get';
  if (op === 'putTrustCertificate' || op === 'deleteTrustCertificate') return 'getTrustCertificate';
  return undefined;
}

/** Waits on the run's timers (a SimulatedClock in tests); rejects with CANCELLED when the run is stopped. */
function pause(timers: Timers | undefined, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new AgmedicError('CANCELLED', 'stopped while waiting for another Azure operation'));
    // Runs always get timers from the CLI (system timers); the fallback only serves callers of the
    // runtime that pass none, where the system timers are what xstate would use too.
    const t = timers ?? { setTimeout: (fn: () => void, delay: number) => globalThis.setTimeout(fn, delay), clearTimeout: (id: unknown) => globalThis.clearTimeout(id as NodeJS.Timeout) };
    const id = t.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      t.clearTimeout(id);
      reject(new AgmedicError('CANCELLED', 'stopped while waiting for another Azure operation'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
