/**
 * Runs a compiled runbook: xstate drives the route, the ports do the I/O, the Prompter answers,
 * every step is recorded (audit) and persisted (journal + snapshot) so an interrupted run resumes
 * exactly where it stopped.
 */
import { createActor, type AnyActorRef, type AnyMachineSnapshot, type InspectionEvent } from 'xstate';
import { AgmedicError, isAgmedicError, type ErrorCode } from '../../errors.js';
import type { PlanQuery } from '../../compile/types.js';
import type { Step } from '../../runbook/schema.js';
import type { ExecuteOptions, RunOutcome, RunResult, RunSummary } from '../types.js';
import { confirmRequest, decideRequest, readFreshEvidence } from './ask-operator.js';
import { COULD_NOT_ASK } from './could-not-ask.js';
import { buildRunMachine, type RunContext, type RunEvent } from './build-run-machine.js';
import { Ledger } from './ledger.js';
import { TransitionObserver } from './observe-transitions.js';
import { Recorder } from './recorder.js';
import { settleInDoubt } from './settle-in-doubt.js';
import type { QueryPhase, RunState } from './run-state.js';
import { QueryRunner } from './send-query.js';
import { decodeRunSnapshot, encodeFactLines, encodeRunSnapshot } from './snapshot-codec.js';

/** Read-only phases persist the snapshot at most this often; see `persist`. */
const PERSIST_EVERY_MS = 250;
/** Phases whose snapshot is written at once: before a prompt, a re-check or a change. */
const URGENT_PHASES = new Set(['confirm', 'choose', 'recheck', 'execute', 'verify']);

/** How many wrong typed names end a run (an abort, recorded). */
const MAX_CONFIRM_ATTEMPTS = 3;

const leafOf = (value: unknown): string => {
  if (typeof value === 'string') return value;
  const [step, phase] = Object.entries(value as Record<string, unknown>)[0] ?? ['', ''];
  return typeof phase === 'string' ? `${step}:${phase}` : step;
};

function planQueries(opts: ExecuteOptions): (step: string, phase: QueryPhase) => PlanQuery {
  const map = new Map<string, PlanQuery>();
  for (const s of opts.plan.steps) for (const q of s.queries) map.set(`${s.id}:${q.phase}`, q);
  return (step, phase) => {
    const q = map.get(`${step}:${phase === 'recheck' ? 'check' : phase}`);
    if (!q) throw new AgmedicError('INTERNAL', `the plan has no ${phase} query for step ${step}`);
    return q;
  };
}

/**
 * Runs (or resumes) one run to its end, an interruption (`opts.signal`) or, in check mode, the
 * first step that would change something. Never rejects for what happens on a target: failures
 * are outcomes. Rejects only on an audit write failure or a bug.
 *
 * @example
 * const result = await executeRun({ ...wiring, mode: 'guided', signal: ac.signal });
 * if (result.outcome === 'interrupted') console.log(`agmedic resume ${result.runId}`);
 */
export async function executeRun(opts: ExecuteOptions): Promise<RunResult> {
  const recorder = new Recorder(opts.audit);
  const steps = new Map<string, Step>(opts.runbook.steps.map((s) => [s.id, s]));
  const rs: RunState = {
    opts,
    steps,
    recorder,
    ledger: new Ledger(opts.journal, opts.resume?.entries ?? []),
    facts: {},
    factsChanged: new Set(),
    waits: new Map(),
    celError: () => undefined,
    // Replaced below, once the run's `finish` exists; nothing queries before that.
    stopResumable: () => undefined,
    query: planQueries(opts),
  };
  const runner = new QueryRunner(rs);
  const inflight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    inflight.add(p);
    void p.then(
      () => inflight.delete(p),
      () => inflight.delete(p),
    );
    return p;
  };
  const observer = new TransitionObserver(rs, (e) => recorder.record(e));
  const result: RunResult = { runId: opts.runId, outcome: 'failed', message: '', route: observer.route, facts: {}, inDoubt: [] };

  recorder.record({
    type: 'run-start',
    runId: opts.runId,
    runbook: { name: opts.runbook.metadata.name, sha256: opts.plan.runbook.sha256 },
    parameters: { ...opts.values },
    mode: opts.resume ? 'resume' : opts.mode,
    operator: opts.operator,
    host: opts.host,
    targets: [
      ...Object.values(opts.targets.sql).map((t) => ({ name: t.role, server: t.server })),
      ...Object.values(opts.targets.azure).map((a) => ({ name: `${a.role} (arm)`, server: a.describe() })),
    ],
    ...(opts.approval ? { approval: opts.approval } : {}),
    ...(opts.fromPlan ? { plan: opts.fromPlan } : {}),
  });

  let restored: AnyMachineSnapshot | undefined;
  // The facts log's position: every fact up to it is on disk (see `persist`).
  let factSeq = 0;
  if (opts.resume) {
    try {
      const decoded = decodeRunSnapshot(opts.resume.snapshot, opts.resume.facts);
      restored = decoded.snapshot as AnyMachineSnapshot;
      factSeq = decoded.factSeq;
    } catch (err) {
      return finishEarly(new AgmedicError('INTERNAL', `cannot restore run ${opts.runId} from its journal: ${(err as Error).message}`, { cause: err }));
    }
    rs.facts = (restored.context as RunContext).facts;
    // A snapshot that carried its facts itself (written before the facts log) has them all to write.
    if (factSeq === 0) for (const step of Object.keys(rs.facts)) rs.factsChanged.add(step);
    try {
      restored = await settleInDoubt(rs, runner, restored, opts.signal, result.inDoubt);
    } catch (err) {
      return finishEarly(err);
    }
  }

  const machine = buildRunMachine(opts.compiled.machine, opts.compiled.delays, rs, runner, track);
  // createActor computes the initial state — eventless transitions included: the steps whose `when`
  // is false at the very start are skipped right there — before it returns the actor, so
  // inspection events arrive before `actor` is assigned. They are kept and replayed once it is.
  let actor: AnyActorRef | undefined;
  const early: InspectionEvent[] = [];
  const observe = (ev: InspectionEvent): void => {
    if (ev.type === '@xstate.microstep' && ev.actorRef === actor) observer.microstep(ev.event as { type: string; error?: unknown }, ev._transitions as never);
  };
  const inspect = (ev: InspectionEvent): void => {
    if (actor === undefined) early.push(ev);
    else observe(ev);
  };
  actor = createActor(machine, {
    ...(restored ? { snapshot: restored } : {}),
    ...(opts.timers ? { clock: opts.timers } : {}),
    inspect,
  });
  const running = actor;
  for (const ev of early.splice(0)) observe(ev);

  const skipped: RunSummary['skipped'] = [];
  /** Changed, skipped (declined, or `when` false), and the actions the run never reached. */
  const summarize = (): RunSummary => {
    // From the journal, so a resumed run also lists what it changed before the interruption.
    const changed: RunSummary['changed'] = rs.ledger.doneChanges().map(({ intent, outcome }) => {
      const azure = opts.plan.steps.find((x) => x.id === intent.step)?.queries.some((q) => q.phase === 'execute' && q.azure !== undefined);
      const server = (azure ? opts.targets.azure[intent.target]?.describe() : opts.targets.sql[intent.target]?.describe()) ?? intent.target;
      const durationMs = Math.max(0, Date.parse(outcome.at) - Date.parse(intent.at));
      return { step: intent.step, title: rs.steps.get(intent.step)?.title ?? intent.step, target: server, statement: intent.text, at: intent.at, durationMs };
    });
    const touched = new Set<string>([...changed.map((c) => c.step), ...skipped.map((x) => x.step)]);
    const whenSkipped = observer.route.filter((r) => r.via === 'skip' && rs.steps.get(r.step)?.action && !touched.has(r.step));
    for (const r of whenSkipped) {
      skipped.push({ step: r.step, title: rs.steps.get(r.step)!.title, reason: 'its condition (when) was false' });
      touched.add(r.step);
    }
    const notAttempted = opts.runbook.steps.filter((x) => x.action && !touched.has(x.id)).map((x) => ({ step: x.id, title: x.title }));
    return { changed, skipped: [...skipped], notAttempted, audit: { runId: opts.runId } };
  };

  return new Promise<RunResult>((resolve, reject) => {
    let finished = false;
    let lastLeaf = '';
    let prompting = '';

    // Written at every step boundary and before a prompt, re-check or change; the read-only loops
    // inside a step (a wait's poll/sleep, retries) persist at most every PERSIST_EVERY_MS, with a
    // trailing write. An older snapshot is safe anyway: resuming from it re-runs read-only phases,
    // and changes are deduplicated by the journal, keyed by step + entry count from the snapshot.
    let lastPersist = -Infinity;
    let trailing: unknown;
    const persist = (urgent = false): void => {
      if (!opts.journal || finished) return;
      const now = opts.clock.now().getTime();
      if (!urgent && now - lastPersist < PERSIST_EVERY_MS) {
        if (trailing === undefined && opts.timers) {
          trailing = opts.timers.setTimeout(() => {
            trailing = undefined;
            persist(true);
          }, PERSIST_EVERY_MS);
        }
        return;
      }
      lastPersist = now;
      try {
        // Facts go to the facts log once each, as they are recorded, and stay out of the snapshot:
        // the snapshot stays small, and a step costs the same at the end of a long run as at its start.
        const snap = running.getSnapshot() as AnyMachineSnapshot;
        const context = snap.context as RunContext;
        if (rs.factsChanged.size > 0) {
          const lines = encodeFactLines(context.facts, rs.factsChanged, factSeq);
          opts.journal.appendFacts(lines.text);
          factSeq = lines.seq;
          rs.factsChanged.clear();
        }
        const persisted = machine.getPersistedSnapshot({ ...snap, context: { ...context, facts: {} } } as AnyMachineSnapshot);
        opts.journal.saveSnapshot(encodeRunSnapshot(persisted, factSeq));
      } catch (err) {
        void finish('failed', `cannot persist the run's snapshot: ${(err as Error).message}`, 'INTERNAL');
      }
    };

    const finish = async (outcome: RunOutcome, message: string, code?: string, step?: string): Promise<void> => {
      if (finished) return;
      finished = true;
      clearRearmed();
      if (trailing !== undefined) opts.timers?.clearTimeout(trailing);
      opts.signal.removeEventListener('abort', onAbort);
      running.stop();
      await Promise.allSettled([...inflight]);
      // A lost connection leaves the step's effect unknown: the run stays resumable (verify settles it).
      // So does a change cut off by a step timeout or a cancel: it is journalled as in doubt, and only
      // a resume lets its verify decide whether it happened.
      const inDoubt = rs.ledger.open().length > 0;
      const unasked = code !== undefined && COULD_NOT_ASK.has(code as ErrorCode);
      const resumable = outcome === 'interrupted' || unasked || inDoubt;
      if (unasked || (inDoubt && outcome !== 'interrupted')) message = `${message}; the run can continue: agmedic resume ${opts.runId}`;
      result.outcome = outcome;
      result.message = message;
      if (code !== undefined) result.code = code;
      const where = step ?? observer.currentStep;
      if (where !== undefined) result.step = where;
      // The machine's context, not rs.facts: that is refreshed only when an actor is invoked, so it
      // misses what the last query recorded when the run ends without invoking another one.
      result.facts = ((running.getSnapshot() as AnyMachineSnapshot).context as RunContext | undefined)?.facts ?? rs.facts;
      result.summary = summarize();
      try {
        recorder.record({ type: 'run-end', runId: opts.runId, outcome, message });
        await opts.journal?.append({ type: 'status', at: opts.clock.now().toISOString(), status: resumable ? 'interrupted' : 'finished', outcome, message });
        await recorder.sync();
        resolve(result);
      } catch (err) {
        reject(err);
      }
    };

    const pause = (step: string, title: string): void => {
      recorder.record({ type: 'abort', runId: opts.runId, step, by: 'operator', reason: 'paused at the prompt (resume later)' });
      void finish('interrupted', `paused before step ${step} (${title}); continue with: agmedic resume ${opts.runId}`, 'CANCELLED', step);
    };
    const interruptAtPrompt = (step: string): void => {
      recorder.record({ type: 'abort', runId: opts.runId, step, by: 'signal', reason: 'interrupted at the prompt (Ctrl-C)' });
      void finish('interrupted', `interrupted at step ${step}; continue with: agmedic resume ${opts.runId}`, 'CANCELLED', step);
    };
    rs.stopResumable = (err): void => {
      if (finished) return;
      recorder.record({ type: 'abort', runId: opts.runId, ...(observer.currentStep ? { step: observer.currentStep } : {}), by: 'error', reason: `${err.code}: ${err.message}` });
      void finish('failed', err.message, err.code);
    };

    const onAbort = (): void => {
      if (finished) return;
      const reason = opts.signal.reason instanceof Error ? opts.signal.reason.message : typeof opts.signal.reason === 'string' ? opts.signal.reason : 'interrupted';
      recorder.record({ type: 'abort', runId: opts.runId, ...(observer.currentStep ? { step: observer.currentStep } : {}), by: 'signal', reason });
      void finish('interrupted', `interrupted (${reason}); continue with: agmedic resume ${opts.runId}`, 'CANCELLED');
    };

    const send = (event: RunEvent): void => {
      if (!finished) running.send(event);
    };

    const askConfirm = async (step: string, leaf: string): Promise<void> => {
      let retryReason: string | undefined;
      for (let attempt = 1; attempt <= MAX_CONFIRM_ATTEMPTS; attempt++) {
        rs.facts = (running.getSnapshot() as AnyMachineSnapshot).context.facts as Record<string, unknown>;
        // The evidence is read again right now: the route was decided on older reads, and another
        // client may have changed the state since. Shown with its time; what moved is named.
        const fresh = await readFreshEvidence(rs, runner, step, opts.signal);
        if (finished) return;
        const req = confirmRequest(rs, runner, step, fresh);
        if (retryReason) req.retryReason = retryReason;
        const question = `${req.impact === 'destructive' ? 'DESTRUCTIVE: ' : ''}${req.title} on ${req.targets.map((t) => t.server).join(', ')}`;
        const answer = await opts.prompter.confirm(req, opts.signal);
        if (finished) return;
        if (answer.answer === 'pause') {
          pause(step, req.title);
          return;
        }
        const typedOk = answer.answer !== 'run' || req.typeToConfirm === undefined || answer.typed === req.typeToConfirm.expected;
        recorder.record({ type: 'prompt', runId: opts.runId, step, question, answer: answer.answer === 'run' && !typedOk ? 'run (typed name did not match)' : answer.answer, operator: opts.prompter.operator });
        if (answer.answer === 'skip') {
          skipped.push({ step, title: req.title, reason: 'declined at the confirmation' });
          recorder.record({ type: 'skip', runId: opts.runId, step, reason: 'declined at the confirmation' });
          opts.onNotice?.({ type: 'skip', step, reason: 'declined' });
          send({ type: 'SKIP' });
          return;
        }
        if (answer.answer === 'abort') {
          recorder.record({ type: 'abort', runId: opts.runId, step, by: 'operator', reason: 'the operator chose abort' });
          send({ type: 'ABORT' });
          return;
        }
        send({ type: 'CONFIRM', ...(answer.typed === undefined ? {} : { typed: answer.typed }) });
        if (finished || leafOf(running.getSnapshot().value) !== leaf) return;
        retryReason = `the typed name did not match (attempt ${attempt} of ${MAX_CONFIRM_ATTEMPTS})`;
      }
      recorder.record({ type: 'abort', runId: opts.runId, step, by: 'operator', reason: `the typed name did not match ${MAX_CONFIRM_ATTEMPTS} times` });
      send({ type: 'ABORT' });
    };

    const askDecide = async (step: string): Promise<void> => {
      rs.facts = (running.getSnapshot() as AnyMachineSnapshot).context.facts as Record<string, unknown>;
      const req = decideRequest(rs, step);
      const answer = await opts.prompter.decide(req, opts.signal);
      if (finished) return;
      if (answer.answer === 'pause') {
        pause(step, req.title);
        return;
      }
      const label = answer.answer === 'choose' ? req.choices[answer.index]?.label : undefined;
      recorder.record({ type: 'prompt', runId: opts.runId, step, question: req.prompt, answer: answer.answer === 'choose' ? `choose: ${label ?? `#${answer.index}`}` : 'abort', operator: opts.prompter.operator });
      if (answer.answer === 'abort' || label === undefined) {
        recorder.record({ type: 'abort', runId: opts.runId, step, by: answer.answer === 'abort' && opts.prompter.kind !== 'unattended' ? 'operator' : 'policy', reason: label === undefined && answer.answer === 'choose' ? `no choice #${answer.index}` : 'no choice was taken' });
        send({ type: 'ABORT' });
        return;
      }
      send({ type: 'CHOOSE', index: answer.index });
    };

    const ask = (kind: 'confirm' | 'choose', step: string, leaf: string): void => {
      const key = `${leaf}#${String((running.getSnapshot().context as RunContext).entries[step] ?? 0)}`;
      if (prompting === key) return;
      prompting = key;
      const p = kind === 'confirm' ? askConfirm(step, leaf) : askDecide(step);
      p.then(
        () => {
          if (prompting === key) prompting = '';
        },
        (err: unknown) => {
          if (finished) return;
          if (isAgmedicError(err) && err.code === 'CANCELLED') {
            // Ctrl-C inside a prompt reaches the prompt (raw mode), not the process: stop at once,
            // resumable, as a signal would. With a signal, its handler has already finished the run.
            if (!opts.signal.aborted) interruptAtPrompt(step);
            return;
          }
          recorder.record({ type: 'abort', runId: opts.runId, step, by: 'error', reason: err instanceof Error ? err.message : String(err), ...(isAgmedicError(err) ? { code: err.code } : {}) });
          void finish('aborted', `the prompt failed: ${err instanceof Error ? err.message : String(err)}`, isAgmedicError(err) ? err.code : 'INTERNAL', step);
        },
      );
    };

    const onSnapshot = (snap: AnyMachineSnapshot): void => {
      if (finished) return;
      if (snap.status === 'done') {
        const out = (snap.output ?? {}) as { outcome?: RunOutcome; message?: string; step?: string };
        const outcome = out.outcome ?? 'failed';
        const failure = outcome === 'failed' && !out.step ? observer.failure : undefined;
        void finish(outcome, failure?.message ?? out.message ?? '', failure?.code, out.step ?? failure?.step);
        return;
      }
      if (snap.status === 'error') {
        void finish('failed', `internal error: ${String(snap.error)}`, 'INTERNAL');
        return;
      }
      const leaf = leafOf(snap.value);
      if (leaf === lastLeaf) return;
      lastLeaf = leaf;
      const [step = '', phase = ''] = leaf.split(':');
      const newStep = step !== observer.currentStep;
      observer.enter(step);
      persist(newStep || URGENT_PHASES.has(phase));
      if (opts.mode === 'check') {
        const stop = phase === 'confirm' ? 'confirm' : phase === 'execute' ? 'action' : phase === 'sleep' ? 'wait' : phase === 'choose' && decideRequest(rs, step).policyChoice === undefined ? 'decide' : undefined;
        if (stop) {
          result.stoppedAt = { step, phase, reason: stop };
          void finish('stopped', `stopped before step ${step} (${stop}): check mode runs read-only queries only`, undefined, step);
          return;
        }
        if (phase === 'choose') send({ type: 'CHOOSE', index: decideRequest(rs, step).policyChoice! });
        return;
      }
      if (phase === 'confirm') ask('confirm', step, leaf);
      else if (phase === 'choose') ask('choose', step, leaf);
    };

    // xstate does not persist pending delays (they hold actor references): a restored machine sitting
    // in a sleep/retry state, or under a timeout, gets its delays scheduled again, from the start.
    const rearmed: unknown[] = [];
    const rearmDelays = (): void => {
      if (!restored || !opts.timers) return;
      const leaf = leafOf(running.getSnapshot().value);
      const step = leaf.split(':')[0]!;
      const stepNode = opts.compiled.machine.states[step];
      for (const node of [stepNode, stepNode?.states?.[leaf.slice(step.length + 1)]]) {
        for (const delay of Object.keys(node?.after ?? {})) {
          const type = `xstate.after.${delay}.${node!.id}`;
          rearmed.push(opts.timers.setTimeout(() => send({ type } as never), opts.compiled.delays[delay] ?? 0));
        }
      }
    };
    const clearRearmed = (): void => {
      for (const id of rearmed) opts.timers?.clearTimeout(id);
    };
    opts.signal.addEventListener('abort', onAbort, { once: true });
    running.subscribe({ next: onSnapshot, error: (err: unknown) => void finish('failed', `internal error: ${String(err)}`, 'INTERNAL') });
    if (opts.signal.aborted) {
      onAbort();
      return;
    }
    running.start();
    rearmDelays();
  });

  async function finishEarly(err: unknown): Promise<RunResult> {
    const code = isAgmedicError(err) ? err.code : 'INTERNAL';
    const interrupted = opts.signal.aborted || COULD_NOT_ASK.has(code as ErrorCode);
    const outcome: RunOutcome = opts.signal.aborted ? 'interrupted' : 'failed';
    const message = err instanceof Error ? err.message : String(err);
    result.outcome = outcome;
    result.message = message;
    result.code = code;
    recorder.record({ type: 'run-end', runId: opts.runId, outcome, message });
    await opts.journal?.append({ type: 'status', at: opts.clock.now().toISOString(), status: interrupted ? 'interrupted' : 'finished', outcome, message });
    await recorder.sync();
    return result;
  }
}
