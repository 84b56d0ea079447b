/**
 * Runbook → xstate v5 machine config, as data. One compound state per step (id = step id) whose
 * children are the step's phases (`<step>:<phase>`); end steps finish in a root final state
 * `<step>:end`, and three implicit outcomes exist: `@fixed` (ran off the last step), `@failed`
 * (a step failed with no `onFail`) and `@aborted` (the operator sent ABORT). Every target is an
 * absolute `#id`, so the graph walker and xstate resolve targets the same way.
 */
import type { Diagnostic } from '../errors.js';
import type { Runbook } from '../runbook/schema.js';
import type { NodePath } from '../runbook/types.js';
import { parseDuration } from './durations.js';
import type { EdgeKind, MachineConfigData, NamedRef, StateNodeData, TransitionData } from './types.js';

export interface BuiltMachine {
  machine: MachineConfigData;
  delays: Record<string, number>;
  diagnostics: Diagnostic[];
}

type Report = (code: Diagnostic['code'], message: string, path: NodePath) => void;

const t = (target: string, edge: EdgeKind, path?: NodePath, extra: Partial<TransitionData> = {}): TransitionData => ({
  target: `#${target}`,
  ...extra,
  meta: path ? { edge, path } : { edge },
});

const cel = (expr: string, step: string, field: string): NamedRef => ({ type: 'cel', params: { expr, step, field } });

/**
 * Emits the machine config for a runbook. Unknown step references are reported (UNKNOWN_STEP) and
 * compiled as jumps to `@failed`, so the config is always well-formed.
 *
 * @example
 * const { machine, delays } = buildMachine(runbook, report);
 * setup({ actors, guards, actions, delays }).createMachine(machine);
 */
export function buildMachine(runbook: Runbook, report: Report): BuiltMachine {
  const steps = runbook.steps;
  const ids = new Set<string>();
  for (const s of steps) ids.add(s.id);
  // No prototype: step ids come from the runbook, and `constructor` is a valid one.
  const delays: Record<string, number> = Object.create(null) as Record<string, number>;
  const states: Record<string, StateNodeData> = Object.create(null) as Record<string, StateNodeData>;

  const ref = (id: string, path: NodePath): string => {
    if (ids.has(id)) return id;
    report('UNKNOWN_STEP', `"${id}" is not a step of this runbook`, path);
    return '@failed';
  };

  steps.forEach((step, i) => {
    if (Object.hasOwn(states, step.id)) return; // a duplicate id; the loader reports DUPLICATE_STEP_ID
    const base: NodePath = ['steps', i];
    const following = steps[i + 1]?.id ?? '@fixed';
    const succ = step.next !== undefined ? t(ref(step.next, [...base, 'next']), 'next', [...base, 'next']) : t(following, 'next', base);
    const fail = (why: NodePath = base): TransitionData =>
      step.onFail !== undefined ? t(ref(step.onFail, [...base, 'onFail']), 'onFail', [...base, 'onFail']) : t('@failed', 'fail', why);
    const id = step.id;
    const meta = { step: id, stepIndex: i };
    const leafId = (phase: string) => `${id}:${phase}`;
    const delay = (name: string, duration: string, path: NodePath): string => {
      const key = `${id}:${name}`;
      const ms = parseDuration(duration);
      if (ms === undefined) report('BAD_DURATION', `"${duration}" is not a duration such as 30s, 5m or 1h30m`, path);
      delays[key] = ms ?? 0;
      return key;
    };
    const stepTimeout = step.timeout !== undefined ? delay('timeout', step.timeout, [...base, 'timeout']) : undefined;
    const retry = step.retry && !step.end && !step.decide ? step.retry : undefined;
    const retryDelay = retry ? delay('retryDelay', retry.delay, [...base, 'retry', 'delay']) : undefined;
    const canRetry: NamedRef | undefined = retry ? { type: 'retryLeft', params: { step: id, max: retry.max } } : undefined;
    const countRun: NamedRef = { type: 'countRun', params: { step: id } };
    const record = (phase: string): NamedRef => ({ type: 'recordFacts', params: { step: id, phase } });

    if (step.end) {
      states[id] = {
        id,
        always: step.when
          ? [t(`${id}:end`, 'end', base, { guard: cel(step.when, id, 'when') }), { ...succ, meta: { edge: 'skip', path: [...base, 'when'] } }]
          : [t(`${id}:end`, 'end', base)],
        meta: { ...meta, phase: step.when ? 'when' : 'enter', kind: 'end' },
      };
      states[`${id}:end`] = {
        id: `${id}:end`,
        type: 'final',
        output: { outcome: step.end.outcome, message: step.end.message, step: id },
        meta: { ...meta, phase: 'end', kind: 'end', outcome: step.end.outcome },
      };
      return;
    }

    const kind = step.check ? 'check' : step.action ? 'action' : step.wait ? 'wait' : 'decide';
    const children: Array<[string, StateNodeData]> = [];
    const leaf = (phase: string, body: Omit<StateNodeData, 'id'>) =>
      children.push([phase, { id: leafId(phase), ...body, meta: { ...meta, phase: phase as never, kind, ...(body.meta ?? {}) } }]);
    const query = (phase: string, q: { on: string | string[]; sql?: string; bind?: Record<string, string>; azure?: unknown }, extra: Record<string, unknown> = {}) => ({
      step: id,
      phase,
      on: typeof q.on === 'string' ? [q.on] : q.on,
      ...(q.sql !== undefined ? { sql: q.sql } : {}),
      ...(q.bind !== undefined ? { bind: q.bind } : {}),
      ...(q.azure !== undefined ? { azure: q.azure } : {}),
      ...(stepTimeout ? { timeoutMs: delays[stepTimeout] } : {}),
      ...extra,
    });
    const timeoutOf = (to: TransitionData[]) => (stepTimeout ? { after: { [stepTimeout]: to.map((x) => ({ ...x, meta: { edge: 'timeout' as const, path: [...base, 'timeout'] } })) } } : {});

    // The phases a step runs through, in order; `when` and `gate` are put in front below.
    const phases: string[] = [];
    if (step.check) {
      phases.push('run');
      const retryT = canRetry ? [t(leafId('retry'), 'retry', [...base, 'retry'], { guard: canRetry })] : [];
      const onDone: TransitionData[] = step.check.expect
        ? [{ ...succ, guard: cel(step.check.expect, id, 'expect'), actions: [record('check')], meta: { ...succ.meta!, verifies: true } }, ...retryT.map((x) => ({ ...x, actions: [record('check')] })), { ...fail([...base, 'check', 'expect']), actions: [record('check')] }]
        : [{ ...succ, actions: [record('check')] }];
      const onError = [...retryT, fail([...base, 'check'])];
      leaf('run', { invoke: { id: leafId('run'), src: 'runQuery', input: query('check', step.check), onDone, onError }, ...timeoutOf(onError) });
      if (retry) leaf('retry', { after: { [retryDelay!]: [t(leafId('gate'), 'retry', [...base, 'retry'])] } });
    } else if (step.action) {
      // Every change is asked for in guided mode (y/N; the typed name when destructive); unattended,
      // the approval's policy answers. So every action has a confirm phase.
      const hasConfirm = true;
      const hasRecheck = (step.recheck?.length ?? 0) > 0 || step.requires !== undefined;
      const firstAfterConfirm = hasRecheck ? 'recheck' : 'execute';
      if (hasConfirm) {
        phases.push('confirm');
        const typed = step.confirm?.typeToConfirm;
        leaf('confirm', {
          on: {
            CONFIRM: [t(leafId(firstAfterConfirm), 'confirm', [...base, 'confirm'], typed !== undefined ? { guard: { type: 'confirmed', params: { step: id, typeToConfirm: typed } } } : {})],
            // A declined change never runs on silently into steps that assume it happened: it goes
            // where `onSkip` says, or ends the run naming the skipped step.
            SKIP: [step.onSkip !== undefined
              ? t(ref(step.onSkip, [...base, 'onSkip']), 'decline', [...base, 'onSkip'])
              : t(`${id}:skipped`, 'decline', [...base, 'confirm'])],
          },
          meta: { phase: 'confirm', impact: step.impact, confirm: step.confirm ?? { evidence: [] } } as never,
        });
      }
      if (hasRecheck) {
        phases.push('recheck', 'requires');
        const onError = [fail([...base, 'recheck'])];
        leaf('recheck', {
          invoke: { id: leafId('recheck'), src: 'recheck', input: { step: id, checks: step.recheck ?? [] }, onDone: [t(leafId('requires'), 'phase', undefined, { actions: [record('recheck')] })], onError },
          ...timeoutOf(onError),
        });
        leaf('requires', {
          always: step.requires
            ? [t(leafId('execute'), 'phase', undefined, { guard: cel(step.requires, id, 'requires') }), fail([...base, 'requires'])]
            : [t(leafId('execute'), 'phase')],
        });
      }
      phases.push('execute');
      const afterExecute = step.verify ? t(leafId('verify'), 'phase') : succ;
      const execError = [fail([...base, 'action'])];
      leaf('execute', {
        invoke: { id: leafId('execute'), src: 'runQuery', input: query('execute', step.action, { impact: step.impact ?? 'change' }), onDone: [{ ...afterExecute, actions: [record('execute')] }], onError: execError },
        ...timeoutOf(execError),
        meta: { phase: 'execute', impact: step.impact ?? 'change' },
      });
      if (step.verify) {
        phases.push('verify');
        // Retrying an action re-runs its verify only: a change is never re-sent by a retry.
        const retryT = canRetry ? [t(leafId('retry'), 'retry', [...base, 'retry'], { guard: canRetry, actions: [countRun] })] : [];
        const onError = [...retryT, fail([...base, 'verify'])];
        leaf('verify', {
          invoke: {
            id: leafId('verify'),
            src: 'runQuery',
            input: query('verify', step.verify),
            onDone: [{ ...succ, guard: cel(step.verify.expect, id, 'verify.expect'), actions: [record('verify')], meta: { ...succ.meta!, verifies: true } }, ...retryT.map((x) => ({ ...x, actions: [countRun, record('verify')] })), { ...fail([...base, 'verify', 'expect']), actions: [record('verify')] }],
            onError,
          },
          ...timeoutOf(onError),
        });
        if (retry) leaf('retry', { after: { [retryDelay!]: [t(leafId('verify'), 'retry', [...base, 'retry'])] } });
      }
    } else if (step.wait) {
      phases.push('poll', 'sleep');
      const w = step.wait;
      const interval = delay('interval', w.interval, [...base, 'wait', 'interval']);
      const retryT = canRetry ? [t(leafId('sleep'), 'retry', [...base, 'retry'], { guard: canRetry, actions: [countRun] })] : [];
      const onError = [...retryT, fail([...base, 'wait'])];
      leaf('poll', {
        invoke: {
          id: leafId('poll'),
          src: 'runQuery',
          input: query('poll', w, w.progress ? { progress: w.progress } : {}),
          onDone: [{ ...succ, guard: cel(w.until, id, 'until'), actions: [record('poll')], meta: { ...succ.meta!, verifies: true } }, t(leafId('sleep'), 'poll', [...base, 'wait', 'until'], { actions: [record('poll')] })],
          onError,
        },
        ...timeoutOf(onError),
      });
      leaf('sleep', { after: { [interval]: [t(leafId('poll'), 'poll', [...base, 'wait', 'interval'])] } });
    } else if (step.decide) {
      phases.push('choose');
      const choices = step.decide.choices;
      leaf('choose', {
        on: {
          CHOOSE: choices.map((c, k) =>
            t(ref(c.next, [...base, 'decide', 'choices', k, 'next']), 'choice', [...base, 'decide', 'choices', k, 'next'], { guard: { type: 'choice', params: { index: k } } }),
          ),
        },
        meta: { phase: 'choose', prompt: step.decide.prompt, choices } as never,
      });
    }

    const first = phases[0] ?? 'choose';
    const front: Array<[string, StateNodeData]> = [];
    if (retry) {
      front.push(['gate', {
        id: leafId('gate'),
        // A loop that comes back after the budget is spent fails the run outright: routing it to
        // onFail could ping-pong between two spent gates forever.
        always: [t(leafId(first), 'phase', undefined, { guard: canRetry, actions: [countRun] }), t('@failed', 'fail', [...base, 'retry', 'max'])],
        meta: { ...meta, phase: 'gate', kind },
      }]);
    }
    if (step.when) {
      front.unshift(['when', {
        id: leafId('when'),
        always: [t(leafId(retry ? 'gate' : first), 'phase', undefined, { guard: cel(step.when, id, 'when') }), { ...succ, meta: { edge: 'skip', path: [...base, 'when'] } }],
        meta: { ...meta, phase: 'when', kind },
      }]);
    }
    if (step.action && step.onSkip === undefined) {
      states[`${id}:skipped`] = {
        id: `${id}:skipped`,
        type: 'final',
        output: { outcome: 'manual', message: `step "${id}" (${step.title}) was skipped at its confirmation, so nothing after it was attempted; the change it makes is still to be done`, step: id },
        meta: { ...meta, phase: 'skipped', kind: 'action', outcome: 'manual' },
      };
    }
    const all = [...front, ...children];
    states[id] = {
      id,
      initial: all[0]![0],
      entry: [{ type: 'enterStep', params: { step: id } }],
      states: Object.fromEntries(all),
      ...(step.wait ? { after: { [delay('waitTimeout', step.wait.timeout, [...base, 'wait', 'timeout'])]: [{ ...fail([...base, 'wait', 'timeout']), meta: { edge: 'timeout' as const, path: [...base, 'wait', 'timeout'] } }] } } : {}),
      meta: { ...meta, phase: 'enter', kind, ...(step.impact ? { impact: step.impact } : {}) },
    };
  });

  const outcome = (key: '@fixed' | '@failed' | '@aborted', outcomeName: 'fixed' | 'failed' | 'aborted', message: string): StateNodeData => ({
    id: key,
    type: 'final',
    output: { outcome: outcomeName, message },
    meta: { phase: 'outcome', outcome: outcomeName },
  });
  states['@fixed'] = outcome('@fixed', 'fixed', 'every step ran');
  states['@failed'] = outcome('@failed', 'failed', 'a step failed and had no onFail');
  states['@aborted'] = outcome('@aborted', 'aborted', 'the operator aborted the run');

  const machine: MachineConfigData = {
    id: `@${runbook.metadata.name}`,
    initial: steps[0]?.id ?? '@fixed',
    context: { runs: {}, facts: {} },
    states,
    on: { ABORT: [{ target: '#@aborted', meta: { edge: 'abort' } }] },
  };
  return { machine, delays, diagnostics: [] };
}

