/**
 * The composition root of a run: wires adapters (mssql, ARM, inquirer, the audit log, the file
 * journal) into the runtime's executor. `run` and `resume` differ only in where the run's inputs
 * come from (the command line, or the run's manifest).
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { hostname } from 'node:os';
import { defaultStateDir, fileJournalStore } from '../../adapters/file-journal.js';
import { systemTimers } from '../../adapters/system-timers.js';
import { defaultAuditLogPath, openAuditLog } from '../../audit/index.js';
import { buildPlan, renderPlanHeader, resolveParameters, type ParamValue, type Plan } from '../../compile/index.js';
import { formatDuration } from '../../compile/human-units.js';
import { AgmedicError } from '../../errors.js';
import { holdRun } from '../../adapters/run-holder.js';
import type { RunStartEvent } from '../../ports/audit-event.js';
import type { Clock } from '../../ports/clock.js';
import type { Journal, JournalEntry, RunManifest } from '../../ports/journal.js';
import type { Prompter } from '../../ports/prompter.js';
import type { Secret } from '../../ports/secret.js';
import type { Timers } from '../../ports/timers.js';
import { approvalArmName, approvalServerName, authorizeUnattended } from '../../runtime/approval/authorize-unattended.js';
import { acquireRunLocks, createUnattendedPrompter, executeRun, newRunId, lockAppName, lockResource, wouldPrompt, type RunResult, type WaitProgress } from '../../runtime/index.js';
import { assertLivePlanStillFresh } from '../../runtime/live-plan/index.js';
import { selectPair } from '../../runtime/targets/select-pair.js';
import { resolveTargetsPath } from '../../runtime/targets/targets-path.js';
import type { TargetsConfig } from '../../runtime/targets/types.js';
import { readTargetsFileCached } from '../read-targets-cached.js';
import type { RunTargets } from '../../runtime/types.js';
import { EXIT } from '../exit-codes.js';
import type { Usable } from '../load-and-compile.js';
import { operatorName } from '../operator-name.js';
import { assertTargetsCover, closeRunTargets, openRunTargets, usesAzure } from '../open-targets.js';
import type { Output } from '../output.js';
import type { SavedPlan } from '../read-saved-plan.js';
import { createProgressRenderer } from './render-progress.js';
import { describeApproval, runnerIdentity } from '../describe-approval.js';
import { recordRefusal } from '../record-refusal.js';
import { notifyingAuditSink } from '../../adapters/notifying-audit-sink.js';
import { notifiersFor } from '../notify-config.js';

/** What tests (and embedders) may replace; every field defaults to the real thing. */
export interface RunDeps {
  prompter?: Prompter;
  /** Whether a person can answer prompts (stdin and stdout are terminals). */
  interactive?: boolean;
  clock?: Clock;
  timers?: Timers;
  signal?: AbortSignal;
  env?: Readonly<Record<string, string | undefined>>;
}

export interface SessionInput {
  usable: Usable;
  rawParameters: Record<string, string>;
  targetsFile: string | undefined;
  /** `--pair ID`: one link of a fleet's targets file, its sides renamed sqlserver / mi. */
  pair?: string;
  auditFile: string | undefined;
  stateDir: string | undefined;
  unattended: boolean;
  approvalFile?: string;
  trustedKeysFile?: string;
  json: boolean;
  /** `--notify URL`: webhooks told of the start, prompts, changes and end (besides config.yaml's). */
  notify?: string[];
  /**
   * `agmedic run plan.json`: the saved plan (its runbook and parameters are `usable` and
   * `rawParameters`); a live plan's fingerprint is checked after the locks, before the journal.
   */
  savedPlan?: { path: string; plan: SavedPlan };
  /** Resume: the run's id, manifest and journal. */
  resume?: { manifest: RunManifest; entries: JournalEntry[]; snapshot?: string; facts?: string };
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');


/** Exit code of a finished run (README: "Exit codes"). */
export function exitCodeForRun(result: RunResult): number {
  switch (result.outcome) {
    case 'fixed':
    case 'nothing-to-do':
    // A diagnostic runbook that finished its diagnosis did its job: a scheduler must not read it as a failure.
    case 'diagnosed':
    case 'stopped':
      return EXIT.ok;
    case 'refused':
      return EXIT.refused;
    case 'aborted':
    case 'interrupted':
      return EXIT.aborted;
    default:
      if (result.code === 'LOCK_LOST') return EXIT.refused;
      return result.code === 'CONNECT_FAILED' || result.code === 'LOGIN_FAILED' ? EXIT.unreachable : EXIT.failed;
  }
}

function resolveValues(usable: Usable, raw: Record<string, string>): Record<string, ParamValue> {
  const resolved = resolveParameters(usable.runbook, raw);
  const problems = resolved.diagnostics.filter((d) => d.severity === 'error');
  if (problems.length) throw AgmedicError.fromDiagnostics(problems, 'parameters do not fit the runbook');
  return resolved.values;
}

async function readTargets(file: string | undefined, usable: Usable, pair: string | undefined): Promise<TargetsConfig> {
  if (file === undefined) throw new AgmedicError('USAGE', 'a run needs a targets file: -t FILE or AGMEDIC_TARGETS');
  const all = await readTargetsFileCached(file);
  const config = pair === undefined ? all : selectPair(all, pair);
  assertTargetsCover(usable.runbook, config);
  return config;
}

/**
 * Runs (or resumes) one run end to end and returns the process exit code. Refusals that need no
 * connection (parameters, approval, no terminal) happen before any target is opened.
 */
export async function runSession(input: SessionInput, output: Output, deps: RunDeps = {}): Promise<number> {
  const env = deps.env ?? process.env;
  const clock: Clock = deps.clock ?? { now: () => new Date() };
  const { usable } = input;
  const values = resolveValues(usable, input.rawParameters);
  const plan: Plan = buildPlan(usable.runbook, usable.compiled, values, { sha256: usable.sha256 });
  const targetsFile = input.targetsFile;
  const targetsConfig = await readTargets(targetsFile, usable, input.pair);
  const roles = usable.runbook.targets;
  const identity = targetIdentity(targetsConfig, roles);
  const was = input.resume?.manifest.targetIdentity;
  if (was) {
    const moved = Object.keys(was).filter((r) => was[r] !== identity[r]);
    if (moved.length) {
      throw new AgmedicError(
        'TARGETS_CHANGED',
        `the targets file now points ${moved.map((r) => `${r} at ${identity[r] ?? 'nothing'} (the run started on ${was[r]})`).join(', ')}; refusing to resume: the journal's done and in-doubt steps are about the servers the run started on`,
        { details: { was, now: identity } },
      );
    }
  }
  const operator = operatorName(env);
  const host = hostname();
  const interactive = deps.interactive ?? Boolean(process.stdin.isTTY && process.stdout.isTTY);

  // Refusals before any connection: approval (unattended) or no terminal (guided). Each is audited.
  let prompter: Prompter;
  let approvalAudit: RunStartEvent['approval'];
  try {
    if (input.unattended) {
      const authorized = await authorizeUnattended({
        approvalPath: input.approvalFile,
        ...(input.trustedKeysFile === undefined ? {} : { trustedKeys: input.trustedKeysFile }),
        runbook: { name: usable.runbook.metadata.name, sha256: usable.sha256 },
        targets: roles.map((r) => {
          const t = targetsConfig.targets[r]!;
          return { role: r, server: t.server, port: t.port, ...(t.azure && usesAzure(usable.runbook) ? { arm: approvalArmName(t.azure) } : {}) };
        }),
        parameters: values,
        now: clock.now(),
      });
      approvalAudit = { ...authorized.audit, ...runnerIdentity(env) };
      if (!input.json) output.err(describeApproval(authorized.audit, clock.now()));
      prompter = deps.prompter ?? createUnattendedPrompter(authorized.approval);
    } else {
      const asks = wouldPrompt(usable.compiled);
      if (!deps.prompter && !interactive && asks.length > 0) {
        throw new AgmedicError(
          'NO_TTY',
          `${usable.runbook.metadata.name} asks for confirmation (steps: ${[...new Set(asks)].join(', ')}) and there is no terminal; nothing was changed. Run it at a terminal, or unattended with a signed approval (--unattended --approval FILE).`,
        );
      }
      // inquirer (~0.4 s to load) only at a terminal; the NO_TTY refusal above runs without it.
      prompter = deps.prompter ?? (await import('../../adapters/inquirer-prompter.js')).createInquirerPrompter({ operator });
    }
  } catch (err) {
    await recordRefusal(err, {
      auditFile: input.auditFile, env, clock, runbook: { name: usable.runbook.metadata.name, sha256: usable.sha256 }, mode: input.unattended ? 'unattended' : 'guided',
      parameters: values, targets: roles.map((r) => ({ name: r, server: identity[r] ?? '?' })), ...(input.approvalFile === undefined ? {} : { approvalFile: input.approvalFile }),
    });
    throw err;
  }

  const stateDir = input.stateDir ?? defaultStateDir(env);
  const store = fileJournalStore(stateDir);
  const runId = input.resume?.manifest.runId ?? newRunId(clock);
  const auditFile = input.auditFile ?? defaultAuditLogPath(env);
  const audit = notifyingAuditSink(await openAuditLog({ path: auditFile, clock }), await notifiersFor(input.notify, env));
  const resource = lockResource(usable.runbook, values);
  const appName = lockAppName(resource, { runId, operator });
  let targets: RunTargets = { sql: {}, azure: {} };
  let journal: Journal | undefined;
  let releaseHolder = (): void => undefined;
  const ac = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => ac.abort(sig);
  deps.signal?.addEventListener('abort', () => ac.abort(deps.signal!.reason), { once: true });
  if (!deps.signal) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  const progress = input.json ? undefined : createProgressRenderer(output);
  const withPassword = prompter as Prompter & { password?: (role: string) => Promise<Secret> };
  const askPassword = interactive && !input.unattended && withPassword.password ? (role: string) => withPassword.password!(role) : undefined;
  try {
    targets = await openRunTargets(usable.runbook, targetsConfig, { ...(askPassword ? { askPassword } : {}), env, appName });
    await acquireRunLocks(targets.sql, resource, runId, ac.signal);

    // A live plan: read the state again (read-only, under the locks) and refuse before the journal
    // and any change when a fact its route relied on changed.
    if (input.savedPlan?.plan.live && !input.resume) {
      if (!input.json) output.err(`agmedic: checking ${input.savedPlan.path} against the current state (read-only)`);
      await assertLivePlanStillFresh(input.savedPlan.plan, {
        runbook: usable.runbook, compiled: usable.compiled, plan, values, targets, clock, timers: deps.timers ?? systemTimers,
        signal: ac.signal, operator, host, runId: `${runId}-freshness`,
      });
    }

    if (input.resume) journal = await store.open(runId);
    else {
      journal = await store.create({
        runId,
        runbook: { name: usable.runbook.metadata.name, sha256: usable.sha256, ref: usable.source.name, fileSha256: sha256(usable.source.text) },
        parameters: values,
        rawParameters: input.rawParameters,
        ...(targetsFile === undefined ? {} : { targetsFile }),
        ...(input.pair === undefined ? {} : { pair: input.pair }),
        targetIdentity: identity,
        auditFile,
        mode: input.unattended ? 'unattended' : 'guided',
        ...(input.approvalFile === undefined ? {} : { approvalFile: input.approvalFile }),
        ...(input.trustedKeysFile === undefined ? {} : { trustedKeysFile: input.trustedKeysFile }),
        operator,
        host,
        startedAt: clock.now().toISOString(),
      });
    }
    releaseHolder = holdRun(journal.location, clock.now());
    if (!input.json) {
      // The caveats a DBA must read come first (a resumed run has shown them already).
      if (!input.resume) output.err(renderPlanHeader(plan, { color: output.color }));
      output.err(`agmedic: run ${runId} (${usable.runbook.metadata.name}) by ${operator} on ${host}; journal ${journal.location}`);
    }
    const result = await executeRun({
      runId,
      runbook: usable.runbook,
      compiled: usable.compiled,
      plan,
      values,
      targets,
      prompter,
      audit,
      journal,
      clock,
      timers: deps.timers ?? systemTimers,
      signal: ac.signal,
      mode: input.unattended ? 'unattended' : 'guided',
      operator: prompter.operator,
      host,
      ...(approvalAudit ? { approval: approvalAudit } : {}),
      ...(input.savedPlan && !input.resume
        ? { fromPlan: { file: input.savedPlan.path, ...(input.savedPlan.plan.live ? { fingerprint: input.savedPlan.plan.live.fingerprint.sha256 } : {}) } }
        : {}),
      ...(input.resume?.snapshot === undefined
        ? {}
        : { resume: { snapshot: input.resume.snapshot, entries: input.resume.entries, ...(input.resume.facts === undefined ? {} : { facts: input.resume.facts }) } }),
      ...(progress ? { onProgress: (p: WaitProgress) => progress.update(p), onNotice: progress.notice } : {}),
    });
    progress?.stop();
    // Closing flushes and fsyncs the last records: a failure must change the exit code, so it is
    // done here and not only in `finally` (where it is a no-op after this, and cleanup on errors).
    await journal.close();
    await audit.close();
    const code = exitCodeForRun(result);
    if (result.summary) {
      const head = auditHeadOf(auditFile, runId);
      if (head !== undefined) result.summary.audit.head = head;
    }
    if (input.json) {
      output.out(JSON.stringify({ ...result, facts: undefined, auditFile, runDir: journal.location, exitCode: code }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2));
    } else {
      const resumeHint = `agmedic resume ${runId}${input.stateDir ? ` --state-dir ${input.stateDir}` : ''}`;
      // The hint is printed once: the message names it already unless a state dir must be added.
      const message = input.stateDir ? result.message.replace(`agmedic resume ${runId}`, resumeHint) : result.message;
      output.out(`${result.outcome}: ${message}`);
      for (const d of result.inDoubt) output.out(`  in doubt: ${d.step} on ${d.target} → verify says ${d.resolution}`);
      if (result.outcome === 'interrupted' && !message.includes(resumeHint)) output.out(`  resume with: ${resumeHint}`);
      if (result.summary) output.out(renderRunSummary(result.summary));
      output.out(`  audit: ${auditFile} (agmedic audit show ${runId})`);
    }
    return code;
  } finally {
    progress?.stop();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await closeRunTargets(targets);
    releaseHolder();
    await journal?.close().catch(() => undefined);
    await audit.close().catch(() => undefined);
  }
}

export { resolveTargetsPath };

/** Role → its names as approvals spell them: `host,port` and, with Azure coordinates, `arm:…`. */
function targetIdentity(config: TargetsConfig, roles: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of roles) {
    const t = config.targets[r];
    if (!t) continue;
    out[r] = [approvalServerName(t.server, t.port), ...(t.azure ? [approvalArmName(t.azure)] : [])].join(' ');
  }
  return out;
}

/** The end-of-run summary: what changed (statement, target, time), what was skipped, what never ran. */
export function renderRunSummary(summary: NonNullable<RunResult['summary']>): string {
  const oneLine = (sql: string) => {
    const flat = sql.replace(/\s+/g, ' ').trim();
    return flat.length > 100 ? `${flat.slice(0, 100)}…` : flat;
  };
  const lines = ['summary:'];
  lines.push(summary.changed.length ? '  changed:' : '  changed: nothing');
  for (const c of summary.changed) lines.push(`    ${c.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}  ${c.step} on ${c.target} (${formatDuration(c.durationMs)}): ${oneLine(c.statement)}`);
  if (summary.skipped.length) lines.push('  skipped:', ...summary.skipped.map((x) => `    ${x.step} (${x.title}): ${x.reason}`));
  if (summary.notAttempted.length) lines.push('  not attempted:', ...summary.notAttempted.map((x) => `    ${x.step} (${x.title})`));
  lines.push(`  audit run id ${summary.audit.runId}${summary.audit.head ? `, head hash ${summary.audit.head}` : ''}`);
  return lines.join('\n');
}

/**
 * The hash of this run's last audit record (its run-end), read back from the log's tail once the
 * log is closed: what `audit verify` will find the chain anchored at for this run.
 */
function auditHeadOf(file: string, runId: string): string | undefined {
  try {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      const len = Math.min(size, 256 * 1024);
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, size - len);
      const lines = buf.toString('utf8').split('\n');
      for (let i = lines.length - 1; i >= 0; i--) {
        const line = lines[i]!;
        if (!line.includes('"run-end"') || !line.includes(runId)) continue;
        const m = /^\{"hash":"([0-9a-f]+)"/.exec(line);
        if (m) return m[1];
      }
    } finally {
      closeSync(fd);
    }
  } catch {
    // The summary goes without the head; `audit verify` is the authority anyway.
  }
  return undefined;
}
