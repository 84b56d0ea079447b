/**
 * The compiled machine config (data) + the runtime's implementations of the actors, guards and
 * actions it names, through xstate's `setup()`. Nothing here decides a route: the config does.
 */
import { assign, fromPromise, setup, type AnyStateMachine } from 'xstate';
import type { MachineConfigData, StateNodeData } from '../../compile/types.js';
import { holds, holdsOnEveryTarget, QUERY_FIELDS, valueOf, firstRoleScope, type QueryOutput } from './cel-scope.js';
import { couldNotAsk } from './could-not-ask.js';
import type { RunState } from './run-state.js';
import type { QueryInput, QueryRunner, RecheckInput } from './send-query.js';

export interface RunContext {
  runs: Record<string, number>;
  facts: Record<string, unknown>;
  /** How often each step was entered: the journal keys changes by it. */
  entries: Record<string, number>;
}

export type RunEvent =
  | { type: 'CONFIRM'; typed?: string }
  | { type: 'SKIP' }
  | { type: 'ABORT' }
  | { type: 'CHOOSE'; index: number };

type Output = QueryOutput & { facts?: Record<string, unknown> };
const outputOf = (event: unknown): Output | undefined => (event as { output?: Output }).output;

/** Invoke inputs become functions of the context: they carry the step's entry count, and note the facts. */
function withEntryInputs(node: StateNodeData, rs: RunState): StateNodeData {
  const out: StateNodeData = { ...node };
  if (node.invoke) {
    const data = node.invoke.input;
    const step = String(data.step);
    out.invoke = {
      ...node.invoke,
      input: (({ context }: { context: RunContext }) => {
        rs.facts = context.facts;
        return { ...data, entry: context.entries[step] ?? 0 };
      }) as never,
    };
  }
  if (node.states) out.states = Object.fromEntries(Object.entries(node.states).map(([k, v]) => [k, withEntryInputs(v, rs)]));
  return out;
}

/**
 * The values a wait's condition reads, as last polled: the first row's columns named in `until`
 * (all of them, up to four, when it names none), per role — what the operator waits on.
 */
function observedBy(until: string, out: QueryOutput): Record<string, Record<string, unknown>> {
  const named = new Set([...until.matchAll(/\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!));
  const observed: Record<string, Record<string, unknown>> = {};
  for (const [role, value] of Object.entries(out.byRole)) {
    const row = Array.isArray(value) ? (value[0] as Record<string, unknown> | undefined) : (value as Record<string, unknown> | undefined);
    if (!row || typeof row !== 'object') {
      observed[role] = {};
      continue;
    }
    const cols = Object.keys(row).filter((k) => named.has(k));
    observed[role] = Object.fromEntries((cols.length ? cols : Object.keys(row).slice(0, 4)).map((k) => [k, row[k]]));
  }
  return observed;
}

/**
 * A query that could not ask its target never settles into the machine (no `onFail`, no fail
 * route): the run is stopped resumably instead, and the machine with it.
 */
const askedOrStop = <T>(p: Promise<T>, rs: RunState): Promise<T> =>
  p.catch((err: unknown) => {
    if (!couldNotAsk(err)) throw err;
    // Stops the machine synchronously, so this rejection reaches no transition (no onFail).
    rs.stopResumable(err);
    throw err;
  });

/** Rejects only when aborted: check mode parks a change here until the driver stops the machine. */
const parked = (signal: AbortSignal): Promise<never> =>
  new Promise((_resolve, reject) => {
    if (signal.aborted) reject(new Error('stopped before a change'));
    else signal.addEventListener('abort', () => reject(new Error('stopped before a change')), { once: true });
  });

/**
 * @example
 * const machine = buildRunMachine(compiled.machine, compiled.delays, rs, runner, track);
 * const actor = createActor(machine, { clock: timers }).start();
 */
export function buildRunMachine(
  config: MachineConfigData,
  delays: Record<string, number>,
  rs: RunState,
  runner: QueryRunner,
  track: <T>(p: Promise<T>) => Promise<T>,
): AnyStateMachine {
  const { values } = rs.opts;
  const prepared = withEntryInputs(config, rs);
  const progress = (input: QueryInput, out: QueryOutput): void => {
    const onProgress = rs.opts.onProgress;
    const step = rs.steps.get(input.step);
    const wait = step?.wait;
    if (!wait) return;
    const key = `${input.step}#${input.entry}`;
    const now = rs.opts.clock.now().getTime();
    const w = rs.waits.get(key) ?? { startedAt: now, polls: 0 };
    w.polls++;
    rs.waits.set(key, w);
    if (!onProgress) return;
    const scope = firstRoleScope(out, values, rs.facts);
    const num = (expr: string | undefined): number | undefined => {
      if (expr === undefined) return undefined;
      const v = valueOf(expr, scope, rs.celError);
      const n = typeof v === 'bigint' ? Number(v) : typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
      return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
    };
    const elapsedMs = Math.max(0, now - w.startedAt);
    const timeoutMs = delays[`${input.step}:waitTimeout`] ?? 0;
    const value = num(wait.progress?.value);
    const total = num(wait.progress?.total);
    onProgress({
      step: input.step,
      title: step.title,
      ...(wait.progress?.label === undefined ? {} : { label: wait.progress.label }),
      ...(wait.progress?.unit === undefined ? {} : { unit: wait.progress.unit }),
      ...(value === undefined ? {} : { value }),
      ...(total === undefined ? {} : { total }),
      polls: w.polls,
      observed: observedBy(wait.until, out),
      intervalMs: delays[`${input.step}:interval`] ?? 0,
      elapsedMs,
      remainingMs: Math.max(0, timeoutMs - elapsedMs),
      done: holdsOnEveryTarget(wait.until, out, values, rs.facts),
    });
  };

  return setup({
    types: {} as { context: RunContext; events: RunEvent },
    actors: {
      runQuery: fromPromise(({ input, signal }: { input: QueryInput; signal: AbortSignal }) =>
        track(
          askedOrStop(
            (async (): Promise<QueryOutput> => {
              if (input.phase === 'execute') return rs.opts.mode === 'check' ? parked(signal) : runner.change(input, signal);
              const out = await runner.read(input.step, input.phase, signal, input.timeoutMs);
              if (input.phase === 'poll') progress(input, out);
              return out;
            })(),
            rs,
          ),
        ),
      ),
      recheck: fromPromise(({ input, signal }: { input: RecheckInput; signal: AbortSignal }) => track(askedOrStop(runner.recheck(input, signal), rs))),
    },
    guards: {
      cel: ({ context, event }, p: { expr: string; step: string; field: string }) => {
        const out = outputOf(event);
        if (QUERY_FIELDS.has(p.field) && out?.byRole) return holdsOnEveryTarget(p.expr, out, values, context.facts, rs.celError);
        return holds(p.expr, { params: values, facts: context.facts }, rs.celError);
      },
      retryLeft: ({ context }, p: { step: string; max: number }) => (context.runs[p.step] ?? 0) <= p.max,
      choice: ({ event }, p: { index: number }) => event.type === 'CHOOSE' && event.index === p.index,
      confirmed: ({ event }, p: { typeToConfirm: string }) => event.type === 'CONFIRM' && event.typed === String(values[p.typeToConfirm] ?? ''),
    },
    // These three maps grow with the run and are updated in place: copying them at every step
    // made each step cost more than the last (and fed the garbage collector). Nothing keeps an
    // older context to compare against, and every run starts from maps of its own (`context` below).
    actions: {
      enterStep: assign({
        entries: ({ context }, p: { step: string }) => {
          context.entries[p.step] = (context.entries[p.step] ?? 0) + 1;
          return context.entries;
        },
      }),
      countRun: assign({
        runs: ({ context }, p: { step: string }) => {
          context.runs[p.step] = (context.runs[p.step] ?? 0) + 1;
          return context.runs;
        },
      }),
      recordFacts: assign({
        facts: ({ context, event }, p: { step: string; phase: string }) => {
          const out = outputOf(event);
          if (!out) return context.facts;
          const recorded = p.phase === 'recheck' ? (out.facts ?? {}) : { [p.step]: out.byRole };
          for (const [step, value] of Object.entries(recorded)) {
            context.facts[step] = value;
            rs.factsChanged.add(step);
          }
          return context.facts;
        },
      }),
    },
    delays,
  }).createMachine({
    ...(prepared as object),
    context: () => ({ ...config.context, runs: {}, facts: {}, entries: {} }),
    output: ({ event }: { event: { output?: unknown } }) => event.output,
  } as never) as unknown as AnyStateMachine;
}
