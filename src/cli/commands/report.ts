/**
 * `agmedic report RUN_ID --format html|md [--out FILE]`: what a DBA hands to the incident review,
 * written from the audit log and the run's journal only — no target is contacted. The runbook is
 * read only to draw the route, and only if its content still hashes to what the run recorded.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultStateDir } from '../../adapters/file-journal.js';
import { defaultAuditLogPath, readAuditLog, verifyAuditLog } from '../../audit/index.js';
import { buildRunReport } from '../../audit/build-run-report.js';
import { renderReportHtml } from '../../audit/render-report-html.js';
import { renderReportMarkdown } from '../../audit/render-report-markdown.js';
import type { ReportGraph, ReportInput, ReportStep } from '../../audit/report-types.js';
import type { AuditRecord } from '../../audit/types.js';
import { AgmedicError } from '../../errors.js';
import { EXIT } from '../exit-codes.js';
import { loadUsableRunbook, type Usable } from '../load-and-compile.js';
import type { Output } from '../output.js';
import { journalForReport, readRunState } from '../read-run-state.js';

export interface ReportOptions {
  format?: 'html' | 'md';
  out?: string;
  audit?: string;
  stateDir?: string;
  /** IANA zone for local times (default: this machine's). */
  timeZone?: string;
}

/** Resolves a run id or a unique prefix of one among the log's runs. */
export function resolveRunId(records: readonly AuditRecord[], wanted: string, path: string): string {
  const ids = [...new Set(records.map((r) => r.runId))];
  if (ids.includes(wanted)) return wanted;
  const matches = ids.filter((id) => id.startsWith(wanted));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw new AgmedicError('USAGE', `run id "${wanted}" is ambiguous in ${path}: ${matches.join(', ')}`);
  throw new AgmedicError('RUN_NOT_FOUND', `no run "${wanted}" in ${path} (agmedic audit show lists the runs)`, { details: { runId: wanted } });
}

/** The runbook's steps and step-to-step edges, as plain data for the route picture. */
export function reportGraphOf(usable: Usable): ReportGraph {
  const factRefs = (text: string | undefined): string[] => [...new Set([...(text ?? '').matchAll(/\bfacts\.([A-Za-z_][\w]*)/g)].map((m) => m[1]!))];
  const steps: ReportStep[] = usable.runbook.steps.map((s) => {
    const kind: ReportStep['kind'] = s.check ? 'check' : s.action ? 'action' : s.wait ? 'wait' : s.decide ? 'decide' : 'end';
    const decidedBy = factRefs([s.when, s.requires, ...(s.decide?.choices.map((c) => c.when) ?? [])].join(' '));
    return {
      id: s.id, title: s.title, kind,
      ...(s.impact ? { impact: s.impact } : {}),
      ...(s.end ? { outcome: s.end.outcome } : {}),
      ...(s.confirm?.evidence.length ? { evidence: s.confirm.evidence } : {}),
      ...(decidedBy.length ? { decidedBy } : {}),
      ...(s.wait ? { watch: [...new Set([...s.wait.until.matchAll(/\.([A-Za-z_]\w*)/g)].map((m) => m[1]!))] } : {}),
    };
  });
  const stepOf = new Map(usable.compiled.graph.nodes.map((n) => [n.id, n.step]));
  const edges = new Map<string, { from: string; to: string; kind: string }>();
  for (const e of usable.compiled.graph.edges) {
    const from = stepOf.get(e.from);
    const to = stepOf.get(e.to);
    if (!from || !to || from === to) continue;
    edges.set(`${from}>${to}`, { from, to, kind: e.kind });
  }
  return { steps, edges: [...edges.values()] };
}

/** Gathers a run's report input from the audit log and its journal folder. */
export async function gatherReport(runIdOrPrefix: string, opts: { audit?: string; stateDir?: string }, env = process.env): Promise<ReportInput> {
  const stateDir = opts.stateDir ?? defaultStateDir(env);
  let auditPath = opts.audit ?? defaultAuditLogPath(env);
  // A run started with --audit elsewhere: its manifest says where its log is.
  const byManifest = readRunState(join(stateDir, 'runs'), runIdOrPrefix);
  if (!opts.audit && byManifest && existsSync(byManifest.manifest.auditFile)) auditPath = byManifest.manifest.auditFile;
  if (!existsSync(auditPath)) throw new AgmedicError('FILE_READ', `no audit log at ${auditPath} (use --audit FILE)`, { details: { path: auditPath } });
  const all = await readAuditLog(auditPath);
  const runId = resolveRunId(all, runIdOrPrefix, auditPath);
  const records = all.filter((r) => r.runId === runId);
  const state = readRunState(join(stateDir, 'runs'), runId);
  const input: ReportInput = { records, auditPath: resolve(auditPath), chain: await verifyAuditLog(auditPath) };
  if (state) {
    input.journal = journalForReport(state);
    if (state.status === 'running') input.live = true;
  }
  const start = records.find((r) => r.type === 'run-start' || r.type === 'refused') as { runbook?: { name: string; sha256: string } } | undefined;
  const ref = state?.manifest.runbook.ref ?? start?.runbook?.name;
  if (ref && start?.runbook) {
    try {
      const usable = loadUsableRunbook(ref);
      if (usable.sha256 === start.runbook.sha256) input.graph = reportGraphOf(usable);
      else input.graphNote = `${ref} changed since the run (sha256 ${start.runbook.sha256.slice(0, 12)}… then, ${usable.sha256.slice(0, 12)}… now): the route is listed, not drawn on a statechart that is not the one that ran.`;
    } catch (err) {
      input.graphNote = `the runbook ${ref} cannot be read now (${(err as Error).message}): the route is listed without its statechart.`;
    }
  }
  return input;
}

export async function reportCommand(runId: string, opts: ReportOptions, output: Output): Promise<number> {
  const format = opts.format ?? 'html';
  if (format !== 'html' && format !== 'md') throw new AgmedicError('USAGE', `--format must be html or md, not ${String(format)}`);
  const report = buildRunReport(await gatherReport(runId, opts));
  const style = { ...(opts.timeZone ? { timeZone: opts.timeZone } : {}) };
  const text = format === 'html' ? renderReportHtml(report, { ...style, generatedAt: new Date().toISOString() }) : renderReportMarkdown(report, style);
  if (opts.out) {
    writeFileSync(opts.out, text, { mode: 0o600 });
    output.out(`report: ${resolve(opts.out)}`);
  } else output.out(text);
  return EXIT.ok;
}
