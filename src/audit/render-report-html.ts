/**
 * The run report as one self-contained HTML file: inline CSS and an inline SVG of the route, no
 * script and no external resource, so it opens offline, prints, and can be attached to a ticket.
 * A Content-Security-Policy forbids every fetch, so a later edit cannot quietly add one.
 */
import { compact, headerRows, renderWhatChanged } from './render-report-markdown.js';
import { drawRouteSvg, esc } from './draw-route-svg.js';
import { formatDuration, formatLocalClock, zoneName, type TimeStyle } from './format-time.js';
import type { RunReport, TimelineEntry } from './report-types.js';

const CSS = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #111827; margin: 0; background: #f3f4f6; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 48px; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 10px; border-bottom: 1px solid #e5e7eb; padding-bottom: 4px; }
.sub { color: #6b7280; margin: 0 0 16px; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 12px; font-weight: 600; font-size: 13px; }
.good { background: #dcfce7; color: #14532d; } .bad { background: #fee2e2; color: #7f1d1d; } .warn { background: #ffedd5; color: #7c2d12; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid #eef0f3; }
th { color: #4b5563; font-weight: 600; white-space: nowrap; }
table.kv th { width: 190px; }
code, .mono { font: 12.5px/1.4 ui-monospace, "Cascadia Mono", Consolas, monospace; word-break: break-word; }
pre { margin: 4px 0; padding: 6px 8px; background: #f9fafb; border: 1px solid #eef0f3; border-radius: 4px; white-space: pre-wrap; }
tr.bad td { background: #fef2f2; } tr.warn td { background: #fffbeb; } tr.good td { background: #f0fdf4; }
td.t { white-space: nowrap; color: #6b7280; font-variant-numeric: tabular-nums; }
td.k { white-space: nowrap; font-size: 12px; color: #4b5563; text-transform: uppercase; letter-spacing: .03em; }
.route { overflow-x: auto; border: 1px solid #e5e7eb; border-radius: 6px; padding: 8px; }
.facts { color: #374151; font-size: 12.5px; }
footer { margin-top: 32px; color: #6b7280; font-size: 12px; }
@media print { body { background: #fff; } main { padding: 0; } }
`;

/**
 * @example
 * writeFileSync('run.html', renderReportHtml(buildRunReport(input)));
 */
export function renderReportHtml(report: RunReport, style: TimeStyle & { generatedAt?: string } = {}): string {
  const h = report.header;
  const tone = h.outcome === 'fixed' || h.outcome === 'nothing-to-do' ? 'good' : h.outcome === 'running' ? 'warn' : 'bad';
  const title = `${h.runbook?.name ?? 'agmedic run'} — run ${h.runId}`;
  const parts: string[] = [];
  parts.push(
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title><style>${CSS}</style></head><body><main>`,
    `<h1>${esc(title)}</h1>`,
    `<p class="sub"><span class="badge ${tone}">${esc(h.outcome)}</span> ${esc(h.message ?? '')}</p>`,
    '<h2>Run</h2><table class="kv">',
  );
  for (const [k, v] of headerRows(report, style)) parts.push(`<tr><th>${esc(k)}</th><td${/sha256|hash|head|record/i.test(k + v) ? ' class="mono"' : ''}>${esc(v)}</td></tr>`);
  parts.push('</table>');

  parts.push('<h2>Route</h2>');
  if (report.graph) {
    parts.push(`<div class="route">${drawRouteSvg(report.graph, report.route, report.changes).svg}</div>`);
  } else {
    parts.push(`<p>${esc(report.graphNote ?? 'The runbook is not at hand: the route is listed without its statechart.')}</p>`);
    parts.push(`<p class="mono">${report.route.map((r) => esc(`${r.step} (${r.result})`)).join(' → ')}</p>`);
  }

  parts.push('<h2>What changed</h2>');
  if (h.outcome === 'refused' && report.timeline.every((e) => e.kind === 'refused')) parts.push('<p>Nothing was changed: the run was refused before any connection was opened.</p>');
  else if (report.changes.length === 0) parts.push('<p>Nothing was changed: every statement sent was read-only.</p>');
  else {
    parts.push('<table><tr><th>#</th><th>Time</th><th>Target</th><th>Statement and values</th><th>Result</th><th>Verified</th></tr>');
    report.changes.forEach((c, i) => {
      const cls = c.errorNumber !== undefined || c.verify === 'failed' ? 'bad' : '';
      parts.push(
        `<tr class="${cls}"><td>${i + 1}</td><td class="t">${esc(formatLocalClock(c.at, style))}</td><td>${esc(c.target)}<br><span class="mono">${esc(c.server)}</span></td>` +
          `<td><pre><code>${esc(c.statement.trim())}</code></pre>${paramsHtml(c.parameters)}</td><td>${esc(c.result)}${c.durationMs === undefined ? '' : `<br>${esc(formatDuration(c.durationMs))}`}</td><td>${esc(c.verify)}</td></tr>`,
      );
    });
    parts.push('</table>');
  }
  parts.push('<details><summary>As Markdown, for a change ticket</summary>', `<pre>${esc(renderWhatChanged(report, style))}</pre></details>`);

  parts.push(`<h2>Timeline <span class="sub">(${esc(zoneName(h.start, style))})</span></h2><table>`);
  for (const e of report.timeline) parts.push(entryRow(e, style));
  parts.push('</table>');
  if (report.notes.length) {
    parts.push('<h2>Notes</h2><ul>');
    for (const n of report.notes) parts.push(`<li>${esc(n)}</li>`);
    parts.push('</ul>');
  }
  parts.push(`<footer>Written by agmedic from the audit log${report.graph ? ' and the run\u2019s journal' : ''}${style.generatedAt ? ` on ${esc(style.generatedAt)}` : ''}. Check it: <code>agmedic audit verify --audit ${esc(h.auditPath)}${h.logHead ? ` --head ${esc(h.logHead)}` : ''}</code></footer>`);
  parts.push('</main></body></html>');
  return `${parts.join('\n')}\n`;
}

function entryRow(e: TimelineEntry, style: TimeStyle): string {
  const cls = e.tone ?? '';
  let detail = '';
  if ((e.kind === 'change' || e.kind === 'query-error') && e.statement) {
    detail += `<pre><code>${esc(e.statement.trim())}</code></pre>${paramsHtml(e.parameters ?? {})}`;
    if (e.kind === 'change') detail += `<div>verify: <b>${esc(e.verify ?? 'not run')}</b>${e.durationMs === undefined ? '' : ` · ${esc(formatDuration(e.durationMs))}`}</div>`;
  }
  if (e.facts) {
    detail += Object.entries(e.facts)
      .map(([s, v]) => `<div class="facts">${e.kind === 'prompt' ? 'evidence' : 'facts'} <b>${esc(s)}</b>: <code>${esc(compact(v))}</code></div>`)
      .join('');
  }
  const extra = e.kind === 'step' && e.durationMs !== undefined ? ` <span class="sub">(${esc(formatDuration(e.durationMs))}${e.queries ? `, ${e.queries} quer${e.queries === 1 ? 'y' : 'ies'}` : ''})</span>` : '';
  return `<tr class="${cls}"><td class="t">${esc(formatLocalClock(e.at, style))}</td><td class="k">${esc(e.kind)}</td><td>${esc(e.summary)}${extra}${detail}</td></tr>`;
}

function paramsHtml(p: Record<string, unknown>): string {
  const entries = Object.entries(p);
  if (!entries.length) return '';
  return `<div class="mono">${entries.map(([k, v]) => `@${esc(k)} = ${esc(JSON.stringify(v))}`).join('<br>')}</div>`;
}
