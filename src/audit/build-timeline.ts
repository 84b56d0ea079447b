/**
 * Folds one run's records into the lines a person reads: a step with its result, each change with
 * its verify, each prompt with its answer, and a wait's polls collapsed into one line (a 10-minute
 * wait is 60 identical statements in the log and one fact in a review).
 *
 * Which statements are changes is read from the step records, not guessed from the SQL: a
 * statement of the step in progress after its `action` phase record, before its `verify`.
 */
import { formatDuration } from './format-time.js';
import type { ChangeRow, FactLine, ReportStep, TimelineEntry } from './report-types.js';
import type { AuditRecord } from './types.js';

export interface TimelineInput {
  records: readonly AuditRecord[];
  /** The runbook's steps by id, when known: titles, kinds, evidence. */
  steps?: ReadonlyMap<string, ReportStep>;
  /** The run's facts log, when the journal is at hand. */
  facts?: readonly FactLine[];
}

export interface Timeline {
  entries: TimelineEntry[];
  changes: ChangeRow[];
  route: Array<{ step: string; result: string }>;
}

interface OpenStep {
  entry: TimelineEntry;
  phase: string;
  startedAt: string;
  /** Statements of this step sent in the current phase. */
  queries: number;
  polls: { count: number; targets: Set<string>; first?: string; last?: string };
  changes: ChangeRow[];
  changeEntries: TimelineEntry[];
}

/**
 * @example
 * const { entries } = buildTimeline({ records: await readAuditLog(path, { runId }) });
 * for (const e of entries) console.log(e.at, e.summary);
 */
export function buildTimeline(input: TimelineInput): Timeline {
  const entries: TimelineEntry[] = [];
  const changes: ChangeRow[] = [];
  const route: Timeline['route'] = [];
  const factsBy = groupFacts(input.facts ?? []);
  // Rounds of each step's queries seen so far: the k-th round's result is the k-th fact line.
  const rounds = new Map<string, { n: number; targets: Set<string> }>();
  let open: OpenStep | undefined;

  const kindOf = (step: string): ReportStep['kind'] | undefined => input.steps?.get(step)?.kind;
  const titleOf = (step: string): string | undefined => input.steps?.get(step)?.title;
  const factsAsOf = (stepIds: readonly string[] | undefined): Record<string, unknown> | undefined => {
    if (!stepIds?.length) return undefined;
    const out: Record<string, unknown> = {};
    for (const s of stepIds) {
      const lines = factsBy.get(s);
      if (!lines?.length) continue;
      const k = rounds.get(s)?.n ?? lines.length;
      out[s] = lines[Math.max(0, Math.min(k, lines.length) - 1)];
    }
    return Object.keys(out).length ? out : undefined;
  };

  const closeStep = (at: string, outcome: string | undefined): void => {
    if (!open) return;
    const o = open;
    open = undefined;
    const result = outcome ?? 'ok';
    o.entry.result = result;
    o.entry.durationMs = Date.parse(at) - Date.parse(o.startedAt);
    o.entry.tone = result === 'ok' ? undefined : 'bad';
    const isWait = kindOf(o.entry.step!) === 'wait' || (kindOf(o.entry.step!) === undefined && o.polls.count > o.polls.targets.size);
    if (isWait && o.polls.targets.size > 0) {
      const polls = Math.ceil(o.polls.count / o.polls.targets.size);
      const lines = factsBy.get(o.entry.step!) ?? [];
      const moved = describeChange(lines[0], lines.at(-1), input.steps?.get(o.entry.step!)?.watch);
      o.entry.kind = 'wait';
      o.entry.summary = `${o.entry.step}: ${polls} poll${polls === 1 ? '' : 's'} over ${formatDuration(o.entry.durationMs)}${moved ? `, last: ${moved}` : ''}${result === 'ok' ? '' : ` — ${result}`}`;
    } else {
      o.entry.summary = `${o.entry.step}${titleOf(o.entry.step!) ? ` — ${titleOf(o.entry.step!)}` : ''}: ${result}`;
      if (o.queries) o.entry.queries = o.queries;
    }
    for (const c of o.changes) if (c.verify === 'not run' && o.phase === 'verify') c.verify = result === 'ok' ? 'ok' : 'failed';
    for (const e of o.changeEntries) e.verify = o.changes.find((c) => c.at === e.at && c.statement === e.statement)?.verify ?? 'not run';
    route.push({ step: o.entry.step!, result });
  };

  for (const r of input.records) {
    switch (r.type) {
      case 'run-start':
      case 'refused':
        if (r.type === 'refused') entries.push({ kind: 'refused', at: r.ts, summary: `refused ${r.code}: ${r.reason}`, tone: 'bad' });
        break;
      case 'step': {
        if (r.phase === 'start') {
          closeStep(r.ts, undefined);
          const entry: TimelineEntry = { kind: 'step', at: r.ts, step: r.step, summary: r.step };
          entries.push(entry);
          open = { entry, phase: 'start', startedAt: r.ts, queries: 0, polls: { count: 0, targets: new Set() }, changes: [], changeEntries: [] };
        } else if (r.phase === 'end') {
          if (open?.entry.step === r.step) closeStep(r.ts, r.outcome);
        } else if (open?.entry.step === r.step) open.phase = r.phase;
        break;
      }
      case 'statement': {
        const round = rounds.get(r.step) ?? { n: 0, targets: new Set<string>() };
        if (round.n === 0 || round.targets.has(r.target)) {
          round.n++;
          round.targets = new Set();
        }
        round.targets.add(r.target);
        rounds.set(r.step, round);
        const error = r.outcome.status === 'error' ? r.outcome : undefined;
        const mine = open?.entry.step === r.step;
        if (mine && open!.phase === 'action') {
          const change: ChangeRow = {
            at: r.ts, step: r.step, ...(titleOf(r.step) ? { title: titleOf(r.step)! } : {}), target: r.target, server: r.server, statement: r.text,
            parameters: r.parameters, durationMs: r.durationMs, result: error ? `error ${error.number}: ${error.message}` : 'ok',
            ...(error ? { errorNumber: error.number } : {}), verify: 'not run',
          };
          changes.push(change);
          open!.changes.push(change);
          const entry: TimelineEntry = {
            kind: 'change', at: r.ts, step: r.step, target: r.target, server: r.server, statement: r.text, parameters: r.parameters,
            durationMs: r.durationMs, summary: `${r.step}: CHANGE on ${r.target} (${r.server}): ${oneLine(r.text)} → ${change.result}`,
            tone: error ? 'bad' : 'warn', ...(error ? { errorNumber: error.number } : {}),
          };
          open!.changeEntries.push(entry);
          entries.push(entry);
        } else if (error) {
          entries.push({
            kind: 'query-error', at: r.ts, step: r.step, target: r.target, server: r.server, statement: r.text, parameters: r.parameters,
            durationMs: r.durationMs, errorNumber: error.number, tone: 'bad',
            summary: `${r.step}: error ${error.number} on ${r.target} (${r.server}): ${oneLine(error.message)}`,
          });
        } else if (mine) {
          open!.queries++;
          open!.polls.count++;
          open!.polls.targets.add(r.target);
        } else if (open) open.queries++; // a re-check of another step's facts, before a change
        else {
          entries.push({
            kind: 'query', at: r.ts, step: r.step, target: r.target, server: r.server, statement: r.text, parameters: r.parameters, durationMs: r.durationMs,
            summary: `${r.step}: ${oneLine(r.text, 100)} on ${r.target} (${r.server}) → ${r.outcome.status === 'ok' ? `${r.outcome.rowCount} row${r.outcome.rowCount === 1 ? '' : 's'}` : ''}`,
          });
        }
        break;
      }
      case 'azure-call': {
        const change = r.method !== 'GET';
        const bad = r.status >= 400;
        if (change && open?.entry.step === r.step) {
          const row: ChangeRow = {
            at: r.ts, step: r.step, target: r.target, server: `ARM ${r.path}`, statement: `${r.method} ${r.path}?api-version=${r.apiVersion}`,
            parameters: (r.body ?? {}) as Record<string, unknown>, durationMs: r.durationMs, result: bad ? `HTTP ${r.status}` : `ok (HTTP ${r.status})`, verify: 'not run',
          };
          changes.push(row);
          open.changes.push(row);
        }
        if (change || bad) {
          const entry: TimelineEntry = {
            kind: 'azure', at: r.ts, step: r.step, target: r.target, statement: `${r.method} ${r.path}`, durationMs: r.durationMs,
            summary: `${r.step}: ${change ? 'CHANGE ' : ''}ARM ${r.method} ${r.path} → HTTP ${r.status}`, tone: bad ? 'bad' : change ? 'warn' : undefined,
          };
          if (change && open) open.changeEntries.push(entry);
          entries.push(entry);
        } else if (open?.entry.step === r.step) open.queries++;
        break;
      }
      case 'prompt': {
        const step = input.steps?.get(r.step);
        const decision = r.answer.startsWith('choose:') || step?.kind === 'decide';
        const facts = factsAsOf(decision ? step?.decidedBy : step?.evidence);
        entries.push({
          kind: decision ? 'decision' : 'prompt', at: r.ts, step: r.step, answer: r.answer, by: r.operator,
          summary: `${r.step}: ${oneLine(r.question)} → ${r.answer} (${r.operator})`, ...(facts ? { facts } : {}),
          tone: r.answer === 'abort' || r.answer === 'skip' ? 'warn' : undefined,
        });
        break;
      }
      case 'skip': {
        const facts = factsAsOf(input.steps?.get(r.step)?.decidedBy);
        entries.push({ kind: 'skip', at: r.ts, step: r.step, summary: `${r.step}: skipped — ${oneLine(r.reason)}`, ...(facts ? { facts } : {}) });
        if (open?.entry.step === r.step) {
          const o = open;
          open = undefined;
          o.entry.result = 'skipped';
          o.entry.summary = `${r.step}${titleOf(r.step) ? ` — ${titleOf(r.step)}` : ''}: skipped`;
          route.push({ step: r.step, result: 'skipped' });
          // The step line and its skip line say the same thing: keep the one with the reason.
          entries.splice(entries.indexOf(o.entry), 1);
        }
        break;
      }
      case 'abort':
        entries.push({ kind: 'abort', at: r.ts, ...(r.step ? { step: r.step } : {}), by: r.by, tone: 'bad', summary: `${r.step ? `${r.step}: ` : ''}aborted by ${r.by}: ${oneLine(r.reason)}${r.code ? ` [${r.code}]` : ''}` });
        break;
      case 'in-doubt':
        entries.push({ kind: 'in-doubt', at: r.ts, step: r.step, target: r.target, tone: 'warn', summary: `${r.step}: in doubt on ${r.target}: ${oneLine(r.reason)}${r.resolution ? ` → ${r.resolution}` : ''}` });
        break;
      case 'notify-failed':
        entries.push({ kind: 'notify-failed', at: r.ts, tone: 'warn', summary: `notification "${r.event}" to ${r.endpoint} failed: ${oneLine(r.reason)} (the run went on)` });
        break;
      case 'run-end': {
        // An end step is entered and the run ends: it has no end record of its own.
        if (open) closeStep(r.ts, kindOf(open.entry.step!) === 'end' || open.phase === 'start' ? 'ok' : 'stopped');
        const good = r.outcome === 'fixed' || r.outcome === 'nothing-to-do';
        entries.push({ kind: 'end', at: r.ts, result: r.outcome, tone: good ? 'good' : 'bad', summary: `${r.outcome}: ${oneLine(r.message)}` });
        break;
      }
    }
  }
  if (open) {
    open.entry.result = 'in progress';
    open.entry.summary = `${open.entry.step}: in progress (no end recorded)`;
    route.push({ step: open.entry.step!, result: 'in progress' });
  }
  return { entries, changes, route };
}

function groupFacts(lines: readonly FactLine[]): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  for (const l of lines) {
    const list = out.get(l.step) ?? [];
    list.push(l.value);
    out.set(l.step, list);
  }
  return out;
}

/**
 * What moved between a wait's first and last result, as `name: A → B` for the first scalar that
 * differs (`health: NOT_HEALTHY → HEALTHY`), or the last value of the first scalar when nothing did.
 */
export function describeChange(first: unknown, last: unknown, watch: readonly string[] = []): string | undefined {
  const a = leaves(first);
  const b = leaves(last);
  const key = (path: string): string => path.split('.').at(-1)!;
  // The fields the wait's condition reads come first: they are what the wait was waiting for.
  const ordered = [...b].sort(([p], [q]) => Number(!watch.includes(key(p))) - Number(!watch.includes(key(q))));
  for (const [path, v] of ordered) {
    const was = a.get(path);
    if (was !== undefined && was !== v) return `${key(path)}: ${was} → ${v}`;
  }
  const watched = ordered.find(([p]) => watch.includes(key(p)));
  return watched ? `${key(watched[0])} = ${watched[1]}` : undefined;
}

function leaves(value: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (value === null || value === undefined) return out;
  if (typeof value !== 'object') {
    out.set(prefix, String(value));
    return out;
  }
  if ('$date' in (value as object)) {
    out.set(prefix, String((value as { $date: unknown }).$date));
    return out;
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) leaves(v, prefix ? `${prefix}.${k}` : k, out);
  return out;
}

export function oneLine(s: string, max = 160): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
