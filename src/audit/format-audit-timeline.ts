/**
 * Text for `agmedic audit show`: without a run id one row per run under a header; with one, the
 * run's timeline in local time — one line per step, change, prompt and decision, and one line per
 * wait however many polls it made (build-timeline.ts folds them).
 */
import { buildTimeline } from './build-timeline.js';
import { formatDuration, formatLocal, formatLocalClock, zoneName, type TimeStyle } from './format-time.js';
import type { ReportStep } from './report-types.js';
import type { AuditRecord } from './types.js';

export interface FormatOptions extends TimeStyle {
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
  /** fixed, failed, …, refused; or running / interrupted / unfinished (see {@link applyRunStatus}). */
  outcome?: string;
  targets?: string[];
  records: number;
  durationMs?: number;
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
    if (r.type === 'run-start') {
      Object.assign(run, { runbook: r.runbook.name, mode: r.mode === 'resume' && run.mode ? run.mode : r.mode, operator: r.operator, targets: r.targets.map((t) => t.name) });
      // A resume appends to the same run: until its own end, the run is not over.
      delete run.outcome;
    }
    if (r.type === 'refused') Object.assign(run, { runbook: r.runbook.name, mode: r.mode, operator: r.osUser, outcome: 'refused', targets: r.targets.map((t) => t.name) });
    if (r.type === 'run-end') run.outcome = r.outcome;
    if (r.type === 'abort' && !run.outcome) run.outcome = 'aborted';
  }
  for (const run of runs.values()) if (run.end) run.durationMs = Date.parse(run.end) - Date.parse(run.start);
  return [...runs.values()];
}

/** The filters of `audit show`; every one given must hold. */
export interface RunFilter {
  runbook?: string;
  /** ISO time or a duration back from now (`2h`, `7d`). */
  since?: Date;
  outcome?: string;
  /** A target name or server (substring, case-insensitive). */
  target?: string;
}

/** @example filterRuns(runs, { outcome: 'failed', since: new Date(Date.now() - 864e5) }) */
export function filterRuns(runs: readonly RunSummary[], f: RunFilter): RunSummary[] {
  return runs.filter(
    (r) =>
      (f.runbook === undefined || r.runbook === f.runbook) &&
      (f.since === undefined || Date.parse(r.start) >= f.since.getTime()) &&
      (f.outcome === undefined || (r.outcome ?? 'unfinished') === f.outcome) &&
      (f.target === undefined || (r.targets ?? []).some((t) => t.toLowerCase().includes(f.target!.toLowerCase()))),
  );
}

/** @example formatRunList(summariseRuns(records), { color: true }) */
export function formatRunList(runs: readonly RunSummary[], { color, ...style }: FormatOptions): string {
  if (runs.length === 0) return 'no runs recorded';
  const rows = runs.map((r) => [
    r.runId,
    formatLocal(r.start, style),
    r.runbook ?? '?',
    r.mode ?? '?',
    r.operator ?? '?',
    r.durationMs === undefined ? '' : formatDuration(r.durationMs),
    r.outcome ?? 'unfinished',
  ]);
  const head = ['RUN', 'STARTED', 'RUNBOOK', 'MODE', 'OPERATOR', 'DURATION', 'OUTCOME'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[], header = false): string =>
    r
      .map((c, i) => {
        const cell = i === r.length - 1 ? c : c.padEnd(widths[i]!);
        if (header) return paint(color, 1, cell);
        if (i === r.length - 1) return paint(color, c === 'fixed' || c === 'nothing-to-do' ? 32 : c === 'running' ? 36 : c === 'unfinished' || c === 'interrupted' ? 33 : 31, cell);
        return cell;
      })
      .join('  ')
      .trimEnd();
  return [line(head, true), ...rows.map((r) => line(r))].join('\n');
}

/**
 * The timeline of one run's records: a header line, then one line per entry in local time.
 *
 * @example
 * console.log(formatAuditTimeline(await readAuditLog(path, { runId }), { color: false }));
 * // 10:42:01.200  change     demote: CHANGE on sqlserver (sql01,1433): ALTER AVAILABILITY GROUP [SalesLink] SET (ROLE = SECONDARY) → ok  41 ms
 */
export function formatAuditTimeline(records: readonly AuditRecord[], { color, ...style }: FormatOptions, steps?: ReadonlyMap<string, ReportStep>): string {
  const out: string[] = [];
  const start = records.find((r) => r.type === 'run-start');
  if (start?.type === 'run-start') {
    const targets = start.targets.map((t) => `${t.name} (${t.server})`).join(', ');
    const approval = start.approval
      ? `  approval ${start.approval.id ?? ''} by ${start.approval.approver} (key ${start.approval.keyId}, expires ${formatLocal(start.approval.expiresAt, style)})${start.approval.osUser ? `  OS account ${start.approval.osUser}` : ''}${start.approval.service ? `  service ${start.approval.service}` : ''}`
      : '';
    out.push(paint(color, 1, `${start.runbook.name} ${start.runbook.sha256.slice(0, 12)}  ${start.mode} by ${start.operator}@${start.host}  started ${formatLocal(start.ts, style)}`));
    out.push(`  params ${JSON.stringify(start.parameters)}  targets ${targets}${approval}`);
  }
  if (records[0]) out.push(paint(color, 2, `${`TIME ${zoneName(records[0].ts, style)}`.padEnd(12)}  ${'KIND'.padEnd(10)} WHAT`));
  const { entries } = buildTimeline({ records, ...(steps ? { steps } : {}) });
  for (const e of entries) {
    const tone = e.tone === 'bad' ? 31 : e.tone === 'warn' ? 33 : e.tone === 'good' ? 32 : 0;
    const dur = e.durationMs !== undefined ? `  ${formatDuration(e.durationMs)}` : '';
    const text = `${e.summary}${e.kind === 'wait' ? '' : dur}`;
    out.push(`${formatLocalClock(e.at, style)}  ${paint(color, 2, e.kind.padEnd(10))} ${tone ? paint(color, tone, text) : text}`);
  }
  return out.join('\n');
}
