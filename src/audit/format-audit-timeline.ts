/**
 * Text for `agmedic audit show`: one line per record, so a DBA can read what was sent where and
 * who answered what; and, without a run id, one line per run.
 */
import type { AuditRecord } from './types.js';

export interface FormatOptions {
  /** ANSI colours; the CLI passes false for NO_COLOR or a non-TTY. */
  color: boolean;
}

/** One run, as listed by `agmedic audit show` without a RUN_ID. */
export interface RunSummary {
  runId: string;
  start: string;
  end?: string;
  runbook?: string;
  mode?: string;
  operator?: string;
  outcome?: string;
  records: number;
}

const paint = (on: boolean, code: number, s: string): string => (on ? `\u001b[${code}m${s}\u001b[0m` : s);

/**
 * Runs in the order they started.
 *
 * @example
 * console.log(formatRunList(summariseRuns(await readAuditLog(path)), { color: false }));
 */
export function summariseRuns(records: readonly AuditRecord[]): RunSummary[] {
  const runs = new Map<string, RunSummary>();
  for (const r of records) {
    let run = runs.get(r.runId);
    if (!run) runs.set(r.runId, (run = { runId: r.runId, start: r.ts, records: 0 }));
    run.records++;
    run.end = r.ts;
    if (r.type === 'run-start') Object.assign(run, { runbook: r.runbook.name, mode: r.mode, operator: r.operator });
    if (r.type === 'run-end') run.outcome = r.outcome;
    if (r.type === 'abort' && !run.outcome) run.outcome = 'aborted';
  }
  return [...runs.values()];
}

/** @example formatRunList(summariseRuns(records), { color: true }) */
export function formatRunList(runs: readonly RunSummary[], { color }: FormatOptions): string {
  if (runs.length === 0) return 'no runs recorded';
  return runs
    .map((r) => {
      const outcome = r.outcome ?? 'unfinished';
      const tone = outcome === 'unfinished' || outcome === 'aborted' ? 33 : 32;
      return [
        paint(color, 1, r.runId),
        r.start.replace('T', ' ').slice(0, 19),
        r.runbook ?? '?',
        r.mode ?? '?',
        r.operator ?? '?',
        paint(color, tone, outcome),
        `${r.records} records`,
      ].join('  ');
    })
    .join('\n');
}

/**
 * The timeline of the given records (filter by run first).
 *
 * @example
 * console.log(formatAuditTimeline(await readAuditLog(path, { runId }), { color: false }));
 * // 10:42:01.200  statement  sqlserver (sql01,1433)  SELECT … = @link  {"link":"SalesLink"}  ok, 1 row  12 ms
 */
export function formatAuditTimeline(records: readonly AuditRecord[], { color }: FormatOptions): string {
  const out: string[] = [];
  for (const r of records) {
    const time = r.ts.slice(11, 23);
    const type = paint(color, 2, r.type.padEnd(10));
    out.push(`${time}  ${type} ${describe(r, color)}`);
  }
  return out.join('\n');
}

function describe(r: AuditRecord, color: boolean): string {
  const good = (s: string) => paint(color, 32, s);
  const bad = (s: string) => paint(color, 31, s);
  const warn = (s: string) => paint(color, 33, s);
  switch (r.type) {
    case 'run-start': {
      const targets = r.targets.map((t) => `${t.name} (${t.server})`).join(', ');
      const approval = r.approval ? `  approved by ${r.approval.approver} (key ${r.approval.keyId})` : '';
      return `${r.runbook.name} ${r.runbook.sha256.slice(0, 12)}  ${r.mode} by ${r.operator}@${r.host}  params ${json(r.parameters)}  targets ${targets}${approval}`;
    }
    case 'statement': {
      const outcome =
        r.outcome.status === 'ok'
          ? good(`ok, ${r.outcome.rowCount} row${r.outcome.rowCount === 1 ? '' : 's'}`)
          : bad(`error ${r.outcome.number}: ${oneLine(r.outcome.message)}`);
      return `${r.step}  ${r.target} (${r.server})  ${oneLine(r.text)}  ${json(r.parameters)}  ${outcome}  ${r.durationMs} ms`;
    }
    case 'azure-call': {
      const status = r.status < 400 ? good(String(r.status)) : bad(String(r.status));
      return `${r.step}  ${r.target}  ${r.method} ${r.path}?api-version=${r.apiVersion}${r.body === undefined ? '' : `  ${json(r.body)}`}  ${status}  ${r.durationMs} ms`;
    }
    case 'prompt':
      return `${r.step}  ${JSON.stringify(oneLine(r.question))} → ${JSON.stringify(r.answer)}  (${r.operator})`;
    case 'step':
      return `${r.step}  ${r.phase}${r.outcome ? `  ${r.outcome === 'ok' ? good(r.outcome) : bad(r.outcome)}` : ''}`;
    case 'skip':
      return `${r.step}  ${warn('skipped')}: ${r.reason}`;
    case 'abort':
      return `${r.step ?? '-'}  ${bad(`aborted by ${r.by}`)}: ${r.reason}${r.code ? ` [${r.code}]` : ''}`;
    case 'in-doubt':
      return `${r.step}  ${r.target}  ${warn('in doubt')}: ${r.reason}${r.resolution ? `  → ${r.resolution}` : ''}`;
    case 'run-end':
      return `${paint(color, 1, r.outcome)}: ${r.message}`;
  }
}

function oneLine(s: string): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > 160 ? `${flat.slice(0, 157)}…` : flat;
}

function json(v: unknown): string {
  const s = JSON.stringify(v) ?? '';
  return s.length > 120 ? `${s.slice(0, 117)}…` : s;
}
