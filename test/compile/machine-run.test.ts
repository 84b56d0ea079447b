import { describe, expect, test } from 'vitest';
import { assign, createActor, fromPromise, setup, SimulatedClock, waitFor, type AnyStateMachine } from 'xstate';
import { compileRunbook } from '../../src/compile/compile-runbook.js';
import { evaluateCel } from '../../src/compile/cel.js';
import type { CompileResult } from '../../src/compile/types.js';
import { splitBrain } from './fixtures.js';

type Ctx = { runs: Record<string, number>; facts: Record<string, Record<string, unknown>> };
type Out = { rows: Record<string, unknown>[]; byRole: Record<string, unknown> };

/** Stub implementations a runtime would give; queries answer from a script keyed by step:phase. */
function stubMachine(compiled: CompileResult, script: Record<string, Array<Record<string, unknown>[]>>, sent: string[]) {
  const answer = async ({ input }: { input: { step: string; phase: string; on: string[] } }): Promise<Out> => {
    const key = `${input.step}:${input.phase}`;
    sent.push(key);
    const queue = script[key];
    const rows = (queue && queue.length > 1 ? queue.shift() : queue?.[0]) ?? [];
    return { rows, byRole: Object.fromEntries(input.on.map((r) => [r, rows])) };
  };
  const params = { link: 'AG1', keep: 'managedInstance', maxLag: 10 };
  const machine = setup({
    types: {} as { context: Ctx; events: { type: 'CONFIRM'; typed?: string } | { type: 'SKIP' } | { type: 'ABORT' } | { type: 'CHOOSE'; index: number } },
    actors: { runQuery: fromPromise(answer), recheck: fromPromise(async ({ input }: { input: { checks: string[] } }) => { sent.push(`recheck:${input.checks.join(',')}`); return { rows: [], byRole: {} }; }) },
    guards: {
      cel: ({ context, event }, p: { expr: string }) =>
        evaluateCel(p.expr, { rows: (event as unknown as { output?: Out }).output?.rows ?? [], facts: context.facts, params }) === true,
      retryLeft: ({ context }, p: { step: string; max: number }) => (context.runs[p.step] ?? 0) <= p.max,
      choice: ({ event }, p: { index: number }) => event.type === 'CHOOSE' && event.index === p.index,
      confirmed: ({ event }, p: { typeToConfirm: string }) => event.type === 'CONFIRM' && event.typed === params[p.typeToConfirm as 'link'],
    },
    actions: {
      enterStep: () => {},
      countRun: assign({ runs: ({ context }, p: { step: string }) => ({ ...context.runs, [p.step]: (context.runs[p.step] ?? 0) + 1 }) }),
      recordFacts: assign({
        facts: ({ context, event }, p: { step: string; phase: string }) => {
          const out = (event as unknown as { output?: Out }).output;
          return p.phase === 'recheck' || !out ? context.facts : { ...context.facts, [p.step]: out.byRole };
        },
      }),
    },
    delays: compiled.delays,
  }).createMachine({ ...(compiled.machine as object), output: ({ event }: { event: { output: unknown } }) => event.output } as never) as unknown as AnyStateMachine;
  return machine;
}

describe('the compiled machine runs under xstate', () => {
  test('split brain: branch through decide, confirm, verify retry and a polling wait to the fixed end', async () => {
    const compiled = compileRunbook(splitBrain);
    expect(compiled.diagnostics).toEqual([]);
    const sent: string[] = [];
    const clock = new SimulatedClock();
    const actor = createActor(
      stubMachine(compiled, {
        'roles:check': [[{ role: 'PRIMARY' }]],
        'demote:verify': [[{ role: 'PRIMARY' }], [{ role: 'SECONDARY' }]],
        'settle:poll': [[{ s: 'SYNCHRONIZING' }], [{ s: 'SYNCHRONIZED' }]],
      }, sent),
      { clock },
    ).start();
    await waitFor(actor, (s) => s.matches({ pick: 'choose' }));
    actor.send({ type: 'CHOOSE', index: 0 });
    expect(actor.getSnapshot().matches({ demote: 'confirm' })).toBe(true);
    actor.send({ type: 'CONFIRM', typed: 'wrong' });
    expect(actor.getSnapshot().matches({ demote: 'confirm' })).toBe(true); // the typed name must match
    actor.send({ type: 'CONFIRM', typed: 'AG1' });
    await waitFor(actor, (s) => s.matches({ demote: 'retry' }));
    clock.increment(compiled.delays['demote:retryDelay']!);
    await waitFor(actor, (s) => s.matches({ settle: 'sleep' }));
    clock.increment(compiled.delays['settle:interval']!);
    await waitFor(actor, (s) => s.status === 'done');
    expect(actor.getSnapshot().value).toBe('done:end');
    expect(actor.getSnapshot().output).toEqual({ outcome: 'fixed', message: 'The link has one primary again.', step: 'done' });
    expect(sent).toEqual(['roles:check', 'recheck:roles', 'demote:execute', 'demote:verify', 'demote:verify', 'settle:poll', 'settle:poll']);
  });

  test('when: the not-split end is taken when only one side is primary; the check retry is bounded', async () => {
    const compiled = compileRunbook(splitBrain);
    const sent: string[] = [];
    const clock = new SimulatedClock();
    // first answer fails expect (two rows), then one row of SECONDARY
    const actor = createActor(stubMachine(compiled, { 'roles:check': [[{ role: 'A' }, { role: 'B' }], [{ role: 'SECONDARY' }]] }, sent), { clock }).start();
    await waitFor(actor, (s) => s.matches({ roles: 'retry' }));
    clock.increment(2000);
    await waitFor(actor, (s) => s.status === 'done');
    expect(actor.getSnapshot().output).toMatchObject({ outcome: 'nothing-to-do', step: 'not-split' });
    expect(sent).toEqual(['roles:check', 'roles:check']);
  });

  test('retry exhaustion fails the run instead of looping', async () => {
    const compiled = compileRunbook(splitBrain);
    const sent: string[] = [];
    const clock = new SimulatedClock();
    const actor = createActor(stubMachine(compiled, { 'roles:check': [[]] }, sent), { clock }).start();
    for (let k = 0; k < 5 && actor.getSnapshot().status !== 'done'; k++) {
      await waitFor(actor, (s) => s.matches({ roles: 'retry' }) || s.status === 'done');
      clock.increment(2000);
    }
    await waitFor(actor, (s) => s.status === 'done');
    expect(actor.getSnapshot().value).toBe('@failed');
    expect(sent).toHaveLength(3); // first run + retry.max (2)
  });

  test('SKIP at the confirmation never executes; ABORT ends the run', async () => {
    const compiled = compileRunbook(splitBrain);
    const sent: string[] = [];
    const actor = createActor(stubMachine(compiled, { 'roles:check': [[{ role: 'PRIMARY' }]], 'settle:poll': [[{ s: 'SYNCHRONIZED' }]] }, sent)).start();
    await waitFor(actor, (s) => s.matches({ pick: 'choose' }));
    actor.send({ type: 'CHOOSE', index: 0 });
    actor.send({ type: 'SKIP' });
    await waitFor(actor, (s) => s.status === 'done');
    expect(sent).not.toContain('demote:execute');
    // A declined change never runs on into steps that assume it: the run ends manual, naming it.
    expect(actor.getSnapshot().value).toBe('demote:skipped');
    expect(actor.getSnapshot().output).toMatchObject({ outcome: 'manual', step: 'demote' });

    const second = createActor(stubMachine(compiled, { 'roles:check': [[{ role: 'PRIMARY' }]] }, [])).start();
    await waitFor(second, (s) => s.matches({ pick: 'choose' }));
    second.send({ type: 'ABORT' });
    expect(second.getSnapshot().value).toBe('@aborted');
  });

  test('a wait that never holds times out to its onFail step', async () => {
    const compiled = compileRunbook(splitBrain);
    const clock = new SimulatedClock();
    const actor = createActor(stubMachine(compiled, { 'roles:check': [[{ role: 'PRIMARY' }]], 'demote:verify': [[{ role: 'SECONDARY' }]], 'settle:poll': [[{ s: 'NOT' }]] }, []), { clock }).start();
    await waitFor(actor, (s) => s.matches({ pick: 'choose' }));
    actor.send({ type: 'CHOOSE', index: 0 });
    actor.send({ type: 'CONFIRM', typed: 'AG1' });
    await waitFor(actor, (s) => s.matches({ settle: 'sleep' }));
    clock.increment(compiled.delays['settle:waitTimeout']!);
    await waitFor(actor, (s) => s.status === 'done');
    expect(actor.getSnapshot().value).toBe('manual:end');
  });
});
