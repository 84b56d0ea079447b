/**
 * The run report as Markdown: a "What changed" section a change ticket takes as is, then the
 * header and the timeline. Plain text first: it survives being pasted into any ticketing tool.
 */
import { formatBoth, formatDuration, formatLocalClock, zoneName, type TimeStyle } from './format-time.js';
import type { RunReport, TimelineEntry } from './report-types.js';

/**
 * @example
 * writeFileSync('run.md', renderReportMarkdown(buildRunReport(input)));
 */
export function renderReportMarkdown(report: RunReport, style: TimeStyle = {}): string {
  const h = report.header;
  const out: string[] = [];
  out.push(`# ${h.runbook?.name ?? 'agmedic run'} — run ${h.runId}`, '');
  out.push(renderWhatChanged(report, style), '');
  out.push('## Run', '');
  for (const [k, v] of headerRows(report, style)) out.push(`- **${k}:** ${v}`);
  out.push('');
  out.push(`## Timeline (${zoneName(h.start, style)})`, '');
  for (const e of report.timeline) out.push(timelineLine(e, style));
  if (report.notes.length) {
    out.push('', '## Notes', '');
    for (const n of report.notes) out.push(`- ${n}`);
  }
  return `${out.join('\n')}\n`;
}

/** The rows of the report's header, in the order a reviewer asks for them. */
export function headerRows(report: RunReport, style: TimeStyle = {}): Array<[string, string]> {
  const h = report.header;
  const rows: Array<[string, string]> = [];
  rows.push(['Outcome', `${h.outcome}${h.message ? ` — ${h.message}` : ''}`]);
  if (h.runbook) rows.push(['Runbook', `${h.runbook.name} (sha256 ${h.runbook.sha256})`]);
  rows.push(['Parameters', Object.keys(h.parameters).length ? Object.entries(h.parameters).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ') : 'none']);
  rows.push(['Mode', h.mode ?? '?']);
  if (h.approval) rows.push(['Approval', `${h.approval.id ? `${h.approval.id}, ` : ''}approved by ${h.approval.approver} (key ${h.approval.keyId}), expires ${formatBoth(h.approval.expiresAt, style)}`]);
  rows.push(['Operator', h.operator ?? '?']);
  rows.push(['OS account and host', `${h.osUser ?? '?'} on ${h.host ?? '?'}${h.service ? ` (service: ${h.service})` : ''}`]);
  rows.push(['Targets', h.targets.map((t) => `${t.name} (${t.server})`).join(', ') || 'none']);
  rows.push(['Started', formatBoth(h.start, style)]);
  rows.push(['Ended', h.end ? formatBoth(h.end, style) : h.outcome]);
  if (h.durationMs !== undefined) rows.push(['Duration', formatDuration(h.durationMs)]);
  rows.push(['Audit log', h.auditPath]);
  rows.push(['Audit chain', `${h.chainOk ? 'verifies' : 'DOES NOT VERIFY'} (${h.chainDetail})${h.logHead ? `; log head ${h.logHead}` : ''}`]);
  if (h.runHead) rows.push(["Run's last record", h.runHead]);
  return rows;
}

/**
 * Only the changes: what a change-management ticket records (when, where, what exactly, proven how).
 *
 * @example
 * ticket.body = renderWhatChanged(report);
 */
export function renderWhatChanged(report: RunReport, style: TimeStyle = {}): string {
  const h = report.header;
  const out: string[] = ['## What changed', ''];
  const when = `${formatBoth(h.start, style)}${h.end ? ` → ${formatBoth(h.end, style)} (${formatDuration(h.durationMs ?? 0)})` : ''}`;
  out.push(`Run ${h.runId} of **${h.runbook?.name ?? '?'}** ${h.mode === 'unattended' ? `unattended, under approval ${h.approval?.id ?? '?'} by ${h.approval?.approver ?? '?'}` : `by ${h.operator ?? '?'}`} on ${h.host ?? '?'}, ${when}.`);
  out.push(`Outcome: **${h.outcome}**${h.message ? ` — ${h.message}` : ''}`, '');
  if (h.outcome === 'refused' && report.timeline.every((e) => e.kind === 'refused')) out.push('Nothing was changed: the run was refused before any connection was opened.');
  else if (report.changes.length === 0) out.push('Nothing was changed: every statement sent was read-only.');
  else {
    out.push('| # | Time | Target | Statement | Values | Result | Verified |', '|---|---|---|---|---|---|---|');
    report.changes.forEach((c, i) => {
      const values = Object.keys(c.parameters).length ? Object.entries(c.parameters).map(([k, v]) => `@${k} = ${JSON.stringify(v)}`).join(', ') : '—';
      out.push(`| ${i + 1} | ${formatLocalClock(c.at, style)} | ${cell(`${c.target} (${c.server})`)} | \`${cell(c.statement.replace(/\s+/g, ' ').trim())}\` | ${cell(values)} | ${cell(c.result)}${c.durationMs === undefined ? '' : `, ${formatDuration(c.durationMs)}`} | ${c.verify} |`);
    });
  }
  const declined = report.timeline.filter((e) => e.kind === 'prompt' && (e.answer === 'skip' || e.answer === 'abort'));
  for (const d of declined) out.push('', `Not done: ${d.step} (${d.answer} by ${d.by}).`);
  out.push('', `Evidence: audit log ${h.auditPath}, chain ${h.chainOk ? 'verifies' : 'DOES NOT VERIFY'}${h.logHead ? `, head ${h.logHead}` : ''} (\`agmedic audit verify --head <hash>\`).`);
  return out.join('\n');
}

function timelineLine(e: TimelineEntry, style: TimeStyle): string {
  const t = formatLocalClock(e.at, style);
  const lines = [`- \`${t}\` ${e.tone === 'bad' ? '**' : ''}${e.summary}${e.tone === 'bad' ? '**' : ''}${e.durationMs !== undefined && e.kind !== 'wait' && e.kind !== 'step' ? ` (${formatDuration(e.durationMs)})` : e.kind === 'step' && e.durationMs !== undefined ? ` (${formatDuration(e.durationMs)}${e.queries ? `, ${e.queries} quer${e.queries === 1 ? 'y' : 'ies'}` : ''})` : ''}`];
  if (e.kind === 'change' && e.statement) {
    lines.push(`  - statement: \`${e.statement.replace(/\s+/g, ' ').trim()}\``);
    if (e.parameters && Object.keys(e.parameters).length) lines.push(`  - values: ${Object.entries(e.parameters).map(([k, v]) => `@${k} = ${JSON.stringify(v)}`).join(', ')}`);
    lines.push(`  - verify: ${e.verify ?? 'not run'}`);
  }
  if (e.facts) for (const [step, v] of Object.entries(e.facts)) lines.push(`  - ${e.kind === 'prompt' ? 'evidence' : 'facts'} ${step}: \`${compact(v)}\``);
  return lines.join('\n');
}

/**
 * A fact value on one line as a DBA reads it: per target, its rows as `column=value`
 * (`sqlserver: role=PRIMARY · mi: role=PRIMARY`); anything else as JSON. `$date` is unwrapped.
 */
export function compact(v: unknown, max = 400): string {
  const scalar = (x: unknown): string =>
    x && typeof x === 'object' && '$date' in x ? String((x as { $date: unknown }).$date) : typeof x === 'string' ? x : JSON.stringify(x) ?? 'null';
  let s: string;
  const perTarget = v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((rows) => Array.isArray(rows));
  if (perTarget) {
    s = Object.entries(v as Record<string, unknown[]>)
      .map(([target, rows]) => {
        const shown = rows.map((r) => (r && typeof r === 'object' ? Object.entries(r).map(([k, x]) => `${k}=${scalar(x)}`).join(', ') : scalar(r)));
        return `${target}: ${shown.length ? shown.join(' | ') : 'no rows'}`;
      })
      .join(' · ');
  } else s = JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && '$date' in x ? (x as { $date: unknown }).$date : x)) ?? '';
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/`/g, "'");
}
