/**
 * Diagnose output for people (a worst-first summary table, then each finding with its evidence and
 * the command to run) and for machines (`--json`). Colour only when asked (TTY without NO_COLOR).
 */
import type { DiagnoseReport } from './diagnose-fleet.js';
import type { Finding, FindingSeverity, PairReport } from './types.js';

const SGR: Record<FindingSeverity | 'dim' | 'bold', [number, number]> = {
  critical: [31, 39],
  warning: [33, 39],
  info: [36, 39],
  dim: [2, 22],
  bold: [1, 22],
};

function paint(color: boolean, style: keyof typeof SGR, text: string): string {
  if (!color || text === '') return text;
  const [on, off] = SGR[style];
  return `\u001b[${on}m${text}\u001b[${off}m`;
}

function value(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (Array.isArray(v)) return v.length ? v.map(value).join(', ') : '—';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 100) / 100);
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

const pairName = (r: PairReport): string => r.pair || 'default';

function table(rows: string[][], color: boolean, severityCol: number): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r, i) =>
    r
      .map((cell, c) => {
        const padded = c === r.length - 1 ? cell : cell.padEnd(widths[c]!);
        if (i === 0) return paint(color, 'bold', padded);
        return c === severityCol && cell in SGR ? paint(color, cell as FindingSeverity, padded) : padded;
      })
      .join('  ')
      .trimEnd(),
  );
}

function findingLines(f: Finding, color: boolean): string[] {
  const label = f.severity.toUpperCase().padEnd(8);
  const lines = [`${paint(color, f.severity, label)} ${paint(color, 'bold', f.title)}  ${paint(color, 'dim', `[${f.rule}]`)}`];
  if (f.explainedBy) lines.push(`         ${paint(color, 'dim', `(explained by ${f.explainedBy})`)}`);
  const evidence = Object.entries(f.evidence).filter(([, v]) => !(v === '' || v === null || (Array.isArray(v) && v.length === 0)));
  if (evidence.length) {
    lines.push('         evidence:');
    for (const [k, v] of evidence) lines.push(`           ${k}: ${value(v)}`);
  }
  lines.push(`         why: ${f.explanation}`);
  if (f.next) lines.push(`         next: ${f.next}`);
  if (f.runbook?.command) lines.push(`         run: ${paint(color, 'bold', f.runbook.command)}`);
  else if (f.runbook) {
    // No `run:` line with placeholders: say which runbook, what is known, and what the operator must give.
    const known = Object.entries(f.runbook.params).filter(([k]) => !f.runbook!.missing.some((m) => m.name === k));
    lines.push(`         runbook: ${paint(color, 'bold', f.runbook.runbook)}${known.length ? ` (known: ${known.map(([k, v]) => `${k}=${v}`).join(' ')})` : ''}`);
    lines.push(`         you give: ${f.runbook.missing.map((m) => `${m.name} (${m.hint})`).join('; ')}`);
  }
  return lines;
}

/**
 * The report as text. `all` also details `info` findings (always listed by title).
 *
 * @example
 * output.out(renderReport(report, { color: output.color }));
 */
export function renderReport(report: DiagnoseReport, opts: { color: boolean; all?: boolean }): string {
  const { color } = opts;
  const out: string[] = [];
  const { summary } = report;
  if (report.reports.length > 1) {
    const rows = [['PAIR', 'LINK', 'SQL SERVER', 'MANAGED INSTANCE', 'WORST', 'FINDINGS']];
    for (const r of report.reports) {
      const top = r.findings.filter((f) => f.severity !== 'info');
      const infos = r.findings.length - top.length;
      const list = top.map((f) => f.rule).join(', ') || 'ok';
      rows.push([
        pairName(r),
        r.link || '—',
        `${r.targets.sqlserver || '—'} ${r.facts.sqlserver.reachable ? '' : r.facts.sqlserver.present ? '(unreachable)' : ''}`.trim(),
        `${r.targets.mi || '—'} ${r.facts.mi.reachable ? '' : r.facts.mi.present ? '(unreachable)' : ''}`.trim(),
        top.length ? r.worst : 'ok',
        infos ? `${list} (+${infos} info)` : list,
      ]);
    }
    out.push(...table(rows, color, 4), '');
  }
  const single = report.reports.length === 1;
  for (const r of report.reports) {
    // One link: everything (info in one line each). A fleet: what needs action, unless --all.
    const shown = r.findings.filter((f) => f.severity !== 'info' || single || opts.all);
    if (!shown.length) continue;
    const who = `${pairName(r)}${r.link ? ` · link ${r.link}` : ''} · ${r.targets.sqlserver || '—'} + ${r.targets.mi || '—'}`;
    out.push(paint(color, 'bold', `== ${who}`));
    for (const f of shown) {
      if (f.severity === 'info' && !opts.all) out.push(`${paint(color, 'info', 'INFO    ')} ${f.title}  ${paint(color, 'dim', `[${f.rule}]`)}`);
      else out.push(...findingLines(f, color));
    }
    out.push('');
  }
  const counts = `${summary.critical} critical, ${summary.warning} warning, ${summary.info} info`;
  const verdict =
    summary.critical + summary.warning === 0
      ? paint(color, 'bold', `No problems found on ${summary.links} link${summary.links === 1 ? '' : 's'} (${counts}).`)
      : `${summary.links} link${summary.links === 1 ? '' : 's'} on ${summary.pairs} pair${summary.pairs === 1 ? '' : 's'}: ${counts}.`;
  out.push(`${verdict} ${paint(color, 'dim', `${(report.durationMs / 1000).toFixed(1)} s, waits sampled over ${(report.sampleMs / 1000).toFixed(1)} s`)}`);
  return out.join('\n');
}

/** The report for machines: findings, their evidence and commands, and every fact they were judged on. */
export function reportJson(report: DiagnoseReport): unknown {
  return {
    summary: report.summary,
    durationMs: Math.round(report.durationMs),
    sampleMs: report.sampleMs,
    reports: report.reports.map((r) => ({
      pair: r.pair,
      link: r.link,
      targets: r.targets,
      worst: r.worst,
      gatherMs: Math.round(r.gatherMs),
      findings: r.findings,
      facts: r.facts,
    })),
    ruleErrors: report.ruleErrors,
  };
}
