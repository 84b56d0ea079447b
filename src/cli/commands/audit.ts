/**
 * `agmedic audit show [RUN_ID]` and `agmedic audit verify`: read the hash-chained action log.
 * The default log is `$AGMEDIC_HOME/audit.jsonl` (`~/.agmedic/audit.jsonl`), or `--audit FILE`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defaultStateDir } from '../../adapters/file-journal.js';
import { defaultAuditLogPath, findHeadRecord, formatAuditTimeline, formatRunList, readAuditLog, summariseRuns, verifyAuditLog } from '../../audit/index.js';
import { filterRuns, type RunFilter, type RunSummary } from '../../audit/format-audit-timeline.js';
import { parseDuration } from '../../compile/durations.js';
import type { AuditRecord } from '../../audit/index.js';
import { AgmedicError } from '../../errors.js';
import { readRunState } from '../read-run-state.js';
import { resolveRunId } from './report.js';
import { EXIT } from '../exit-codes.js';
import type { Output } from '../output.js';

export interface AuditOptions {
  audit?: string;
  json?: boolean;
  /** A head hash kept elsewhere earlier: the chain must still contain it (nothing cut or re-hashed before it). */
  head?: string;
  runbook?: string;
  since?: string;
  outcome?: string;
  target?: string;
  stateDir?: string;
}

/** `--since 2h` / `--since 2026-12-01T00:00Z` → the earliest start shown. */
function sinceOf(text: string | undefined, now = Date.now()): Date | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text.trim());
  if (ms !== undefined) return new Date(now - ms);
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new AgmedicError('USAGE', `--since takes a duration back from now (2h, 7d) or an ISO time, not "${text}"`);
  return new Date(t);
}

/**
 * A run with no end record is running, interrupted or unfinished: the journal and the holder of
 * the run's folder tell which.
 */
function applyRunStatus(runs: RunSummary[], stateDir: string): void {
  for (const run of runs) {
    const state = readRunState(join(stateDir, 'runs'), run.runId);
    if (!state) continue;
    if (state.status === 'running') run.outcome = 'running';
    else if (!run.outcome && state.resumable) run.outcome = 'interrupted';
  }
}

function logPath(opts: AuditOptions): string {
  const path = opts.audit ?? defaultAuditLogPath();
  if (!existsSync(path)) {
    throw new AgmedicError('FILE_READ', `no audit log at ${path}${opts.audit ? '' : ' (nothing has run yet, or use --audit FILE)'}`, { details: { path } });
  }
  return path;
}

/** Without a run id: one line per run. With one (or a unique prefix of one): that run's timeline. */
export async function auditShowCommand(runId: string | undefined, opts: AuditOptions, output: Output): Promise<number> {
  const path = logPath(opts);
  const records = await readAuditLog(path);
  if (runId === undefined) {
    const all = summariseRuns(records);
    applyRunStatus(all, opts.stateDir ?? defaultStateDir());
    const filter: RunFilter = {
      ...(opts.runbook ? { runbook: opts.runbook } : {}),
      ...(opts.outcome ? { outcome: opts.outcome } : {}),
      ...(opts.target ? { target: opts.target } : {}),
    };
    const since = sinceOf(opts.since);
    if (since) filter.since = since;
    const runs = filterRuns(all, filter);
    output.out(opts.json ? JSON.stringify(runs, null, 2) : formatRunList(runs, { color: output.color }));
    return EXIT.ok;
  }
  const id = resolveRunId(records, runId, path);
  const mine = records.filter((r) => r.runId === id);
  output.out(opts.json ? JSON.stringify(mine, null, 2) : formatAuditTimeline(mine, { color: output.color }));
  return EXIT.ok;
}

/** Exit 0 when the chain is intact; 8 naming the first bad line and why. */
export async function auditVerifyCommand(opts: AuditOptions, output: Output): Promise<number> {
  const path = logPath(opts);
  let result = await verifyAuditLog(path);
  // A chain verifies on its own even with its end cut off or re-hashed from some record on: only a
  // head hash kept elsewhere can tell. It must still be in the chain, as a record's own hash.
  if (result.ok && opts.head !== undefined) {
    const want = opts.head.trim().toLowerCase();
    const records = await readAuditLog(path);
    // Any unique prefix of 16+ hex digits: messages print the head as 16 digits and an ellipsis.
    const at = findHeadRecord(records, want);
    if (at < 0) {
      result = { ok: false, line: records.length + 1, reason: 'truncated', detail: `the head hash ${want.slice(0, 16)}… kept earlier is not in the chain: records were cut off or the chain was re-hashed` };
    }
  }
  if (opts.json) {
    output.out(JSON.stringify({ path, ...result }, null, 2));
    return result.ok ? EXIT.ok : EXIT.auditBroken;
  }
  if (result.ok) {
    output.out(`${path}: intact, ${result.records} record${result.records === 1 ? '' : 's'}, head ${result.lastHash}`);
    output.out('Keep the head hash somewhere else (a ticket, another host): it also proves nothing was cut off the end.');
    return EXIT.ok;
  }
  output.err(`agmedic: AUDIT_CHAIN_BROKEN  audit broken: ${path}:${result.line}: ${result.reason}: ${result.detail}`);
  return EXIT.auditBroken;
}
