/**
 * What a run's journal folder says about it, for `report`, `audit show` and `runs`: read-only,
 * no lock taken, tolerant of a run still writing (a torn last line is skipped).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRunHolder } from '../adapters/run-holder.js';
import { redact } from '../audit/redact.js';
import type { ReportJournal } from '../audit/report-types.js';
import type { JournalEntry, RunManifest } from '../ports/journal.js';

export interface RunState {
  runId: string;
  dir: string;
  manifest: RunManifest;
  entries: JournalEntry[];
  /** running (a live process holds it), interrupted (resumable), finished, or unknown (held on another host). */
  status: 'running' | 'interrupted' | 'finished' | 'unknown';
  outcome?: string;
  message?: string;
  resumable: boolean;
  holder?: { pid: number; host: string; since: string };
}

function lines<T>(text: string): T[] {
  const out: T[] = [];
  for (const l of text.split('\n')) {
    if (!l.trim()) continue;
    try {
      out.push(JSON.parse(l) as T);
    } catch {
      // torn last line of a run still writing
    }
  }
  return out;
}

/** @example const s = readRunState(join(home, 'runs'), '20250314-031502-9f3a'); */
export function readRunState(runsDir: string, runId: string): RunState | undefined {
  const dir = join(runsDir, runId);
  let manifest: RunManifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as RunManifest;
  } catch {
    return undefined;
  }
  const entries = existsSync(join(dir, 'journal.jsonl')) ? lines<JournalEntry>(readFileSync(join(dir, 'journal.jsonl'), 'utf8')) : [];
  const last = [...entries].reverse().find((e) => e.type === 'status');
  const holder = readRunHolder(dir);
  const state: RunState = { runId, dir, manifest, entries, status: 'interrupted', resumable: true };
  if (holder) state.holder = { pid: holder.pid, host: holder.host, since: holder.since };
  if (holder?.alive === true) Object.assign(state, { status: 'running', resumable: false });
  else if (holder?.alive === 'unknown') Object.assign(state, { status: 'unknown', resumable: false });
  else if (last?.type === 'status' && last.status === 'finished' && !holder) Object.assign(state, { status: 'finished', resumable: false });
  // else: interrupted, or a process that died without writing a status (its holder file is left): resumable.
  if (last?.type === 'status') {
    if (last.outcome !== undefined) state.outcome = last.outcome;
    if (last.message !== undefined) state.message = last.message;
  }
  return state;
}

/** Every run folder under `runsDir`, newest first. */
export function listRunStates(runsDir: string): RunState[] {
  if (!existsSync(runsDir)) return [];
  return readdirSync(runsDir)
    .sort()
    .reverse()
    .map((id) => readRunState(runsDir, id))
    .filter((s): s is RunState => s !== undefined);
}

/** The journal part of a report. */
export function journalForReport(state: RunState): ReportJournal {
  const factsText = existsSync(join(state.dir, 'facts.jsonl')) ? readFileSync(join(state.dir, 'facts.jsonl'), 'utf8') : '';
  const facts = lines<{ step: string; value: unknown }>(factsText).map((f) => ({ step: f.step, value: redact(f.value) }));
  const outcomes = new Map<string, string>();
  for (const e of state.entries) if (e.type === 'outcome') outcomes.set(e.key, e.status);
  return {
    status: state.status === 'unknown' ? 'running' : state.status,
    osUser: state.manifest.operator,
    runbookRef: state.manifest.runbook.ref,
    facts,
    changes: state.entries.flatMap((e) =>
      e.type === 'intent' ? [{ key: e.key, step: e.step, target: e.target, text: e.text, ...(outcomes.has(e.key) ? { status: outcomes.get(e.key)! } : {}) }] : [],
    ),
  };
}
