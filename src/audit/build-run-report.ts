/**
 * A run report's data, from the audit log (and the journal when at hand): the header an incident
 * review starts with, the timeline, the changes and the route. Rendering is separate
 * (render-report-html.ts, render-report-markdown.ts) so both say the same thing.
 */
import { buildTimeline } from './build-timeline.js';
import type { ReportInput, RunHeader, RunReport } from './report-types.js';

/**
 * @example
 * const report = buildRunReport({ records, auditPath, chain: await verifyAuditLog(auditPath) });
 * writeFileSync('run.md', renderReportMarkdown(report));
 */
export function buildRunReport(input: ReportInput): RunReport {
  const { records } = input;
  const first = records[0];
  const start = records.find((r) => r.type === 'run-start');
  const refused = records.find((r) => r.type === 'refused');
  const end = [...records].reverse().find((r) => r.type === 'run-end');
  const steps = input.graph ? new Map(input.graph.steps.map((s) => [s.id, s])) : undefined;
  const timeline = buildTimeline({ records, ...(steps ? { steps } : {}), ...(input.journal ? { facts: input.journal.facts } : {}) });
  const last = records.at(-1);

  const header: RunHeader = {
    runId: first?.runId ?? '?',
    parameters: {},
    targets: [],
    outcome: 'unfinished',
    start: first?.ts ?? new Date(0).toISOString(),
    auditPath: input.auditPath,
    chainOk: input.chain.ok,
    chainDetail: input.chain.ok ? `intact, ${input.chain.records} records` : `BROKEN at line ${input.chain.line}: ${input.chain.reason} — ${input.chain.detail}`,
    ...(input.chain.ok ? { logHead: input.chain.lastHash } : {}),
    ...(last ? { runHead: last.hash } : {}),
  };
  if (start?.type === 'run-start') {
    Object.assign(header, {
      runbook: start.runbook,
      parameters: start.parameters,
      mode: start.mode,
      operator: start.operator,
      host: start.host,
      targets: start.targets,
    });
    if (start.approval) {
      const { osUser, service, ...approval } = start.approval;
      header.approval = approval;
      if (osUser) header.osUser = osUser;
      if (service) header.service = service;
    }
  }
  if (refused?.type === 'refused') {
    Object.assign(header, {
      runbook: refused.runbook, parameters: refused.parameters, mode: refused.mode, operator: refused.osUser, osUser: refused.osUser,
      host: refused.host, targets: refused.targets, outcome: 'refused', message: `${refused.code}: ${refused.reason}`,
      ...(refused.service ? { service: refused.service } : {}),
    });
    const a = refused.approval;
    if (a?.keyId && a.approver && a.expiresAt) header.approval = { keyId: a.keyId, approver: a.approver, expiresAt: a.expiresAt, ...(a.id ? { id: a.id } : {}) };
  }
  header.osUser ??= input.journal?.osUser ?? (header.mode === 'unattended' ? undefined : header.operator);
  if (end?.type === 'run-end') {
    header.outcome = end.outcome;
    header.message = end.message;
  } else if (!refused) {
    header.outcome = input.live ? 'running' : input.journal?.status === 'interrupted' ? 'interrupted' : 'unfinished';
  }
  // A resumed run appends to the same run id: its last end is the run's outcome.
  if (end && input.live) header.outcome = 'running';
  if (last && (end || refused)) {
    header.end = last.ts;
    header.durationMs = Date.parse(last.ts) - Date.parse(header.start);
  }

  const notes: string[] = [];
  if (input.graphNote) notes.push(input.graphNote);
  for (const r of records) if (r.type === 'notify-failed') notes.push(`notification "${r.event}" to ${r.endpoint} failed (${r.reason}); the run went on`);
  const inDoubt = input.journal?.changes.filter((c) => c.status === undefined || c.status === 'cancelled') ?? [];
  for (const c of inDoubt) notes.push(`journal: ${c.step} on ${c.target} has no known outcome (in doubt) — agmedic resume ${header.runId} settles it by its verify`);

  return {
    header,
    timeline: timeline.entries,
    changes: timeline.changes,
    route: timeline.route,
    ...(input.graph ? { graph: input.graph } : {}),
    ...(input.graphNote ? { graphNote: input.graphNote } : {}),
    notes,
  };
}
