/**
 * On resume, every change journalled as sent but with no known outcome is settled before the
 * machine restarts: the step's verify postcondition says whether it took effect. Done → the
 * journal records it and the machine moves on without sending it again. Not done → the step goes
 * back to its confirmation, so it is sent again only when someone (or the policy) confirms anew.
 */
import type { AnyMachineSnapshot } from 'xstate';
import type { RunResult } from '../types.js';
import type { RunState } from './run-state.js';
import type { QueryRunner } from './send-query.js';
import { settleAzureIntent } from './settle-azure.js';

export async function settleInDoubt(rs: RunState, runner: QueryRunner, snapshot: AnyMachineSnapshot, signal: AbortSignal, settled: RunResult['inDoubt']): Promise<AnyMachineSnapshot> {
  let snap = snapshot;
  for (const intent of rs.ledger.open()) {
    // An Azure change may still be running in Azure: follow it to its end before verify looks.
    const azure = rs.query(intent.step, 'execute').azure !== undefined;
    const settledAzure = azure ? await settleAzureIntent(rs, runner, intent, signal) : undefined;
    const done = settledAzure ? settledAzure.done : await runner.verifies(intent.step, signal);
    const resolution = done ? 'done' : 'not-done';
    await rs.ledger.append({ type: 'outcome', key: intent.key, at: rs.opts.clock.now().toISOString(), status: done ? 'ok' : 'error', resolution: done ? 'verified-done' : 'verified-not-done' });
    const reason = !settledAzure
      ? 'the run stopped while the change was in flight; verify decides'
      : settledAzure.operation === 'none'
        ? 'the run stopped before Azure confirmed it accepted the change; the resource was read and verify decides'
        : `the run stopped while Azure carried the change out; its operation ${settledAzure.operation} and verify decides`;
    rs.recorder.record({ type: 'in-doubt', runId: rs.opts.runId, step: intent.step, target: intent.target, reason, resolution });
    rs.opts.onNotice?.({ type: 'in-doubt', step: intent.step, target: intent.target, resolution });
    settled.push({ step: intent.step, target: intent.target, resolution });
    if (!done) snap = rewindToConfirm(snap, intent.step, rs);
  }
  return snap;
}

/** The machine at `<step>:execute` (or re-check) goes back to `<step>:confirm`, when the step has one. */
function rewindToConfirm(snap: AnyMachineSnapshot, step: string, rs: RunState): AnyMachineSnapshot {
  const value = snap.value as unknown;
  if (typeof value !== 'object' || value === null) return snap;
  const phase = (value as Record<string, unknown>)[step];
  if (phase !== 'execute' && phase !== 'recheck' && phase !== 'requires') return snap;
  const s = rs.steps.get(step);
  if (!(s?.impact === 'destructive' || s?.confirm)) return snap;
  const children = { ...(snap as unknown as { children: Record<string, unknown> }).children };
  delete children[`${step}:execute`];
  delete children[`${step}:recheck`];
  return { ...snap, value: { [step]: 'confirm' }, children } as unknown as AnyMachineSnapshot;
}
