/**
 * The composition root of a run: wires adapters (mssql, ARM, inquirer, the audit log, the file
 * journal) into the runtime's executor. `run` and `resume` differ only in where the run's inputs
 * come from (the command line, or the run's manifest).
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { defaultStateDir, fileJournalStore } from '../../adapters/file-journal.js';
import { createInquirerPrompter } from '../../adapters/inquirer-prompter.js';
import { systemTimers } from '../../adapters/system-timers.js';
import { defaultAuditLogPath, openAuditLog } from '../../audit/index.js';
import { buildPlan, resolveParameters, type ParamValue, type Plan } from '../../compile/index.js';
import { AgmedicError } from '../../errors.js';
import type { Clock } from '../../ports/clock.js';
import type { Journal, JournalEntry, RunManifest } from '../../ports/journal.js';
import type { Prompter } from '../../ports/prompter.js';
import type { Secret } from '../../ports/secret.js';
import type { Timers } from '../../ports/timers.js';
import { approvalArmName, approvalServerName, authorizeUnattended } from '../../runtime/approval/authorize-unattended.js';
import { acquireRunLocks, createUnattendedPrompter, executeRun, newRunId, lockAppName, lockResource, wouldPrompt, type RunResult, type WaitProgress } from '../../runtime/index.js';
import { assertLivePlanStillFresh } from '../../runtime/live-plan/index.js';
import { readTargetsFile, resolveTargetsPath, selectPair, type TargetsConfig } from '../../runtime/targets/index.js';
import type { RunTargets } from '../../runtime/types.js';
import { EXIT } from '../exit-codes.js';
import { loadUsableRunbook, type Usable } from '../load-and-compile.js';
import { operatorName } from '../operator-name.js';
import { assertTargetsCover, closeRunTargets, openRunTargets, usesAzure } from '../open-targets.js';
import type { Output } from '../output.js';
import type { SavedPlan } from '../read-saved-plan.js';
import { createProgressRenderer } from './render-progress.js';

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

function readTargets(file: string | undefined, usable: Usable, pair: string | undefined): TargetsConfig {
  if (file === undefined) throw new AgmedicError('USAGE', 'a run needs a targets file: -t FILE or AGMEDIC_TARGETS');
  const config = pair === undefined ? readTargetsFile(file) : selectPair(readTargetsFile(file), pair);
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
  const targetsConfig = readTargets(targetsFile, usable, input.pair);
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

  // Refusals before any connection: approval (unattended) or no terminal (guided).
  let prompter: Prompter;
  let approvalAudit: { keyId: string; approver: string; expiresAt: string } | undefined;
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
    approvalAudit = authorized.audit;
    prompter = deps.prompter ?? createUnattendedPrompter(authorized.approval);
  } else {
    const asks = wouldPrompt(usable.compiled);
    if (!deps.prompter && !interactive && asks.length > 0) {
      throw new AgmedicError(
        'NO_TTY',
        `${usable.runbook.metadata.name} asks for confirmation (steps: ${[...new Set(asks)].join(', ')}) and there is no terminal; nothing was changed. Run it at a terminal, or unattended with a signed approval (--unattended --approval FILE).`,
      );
    }
    prompter = deps.prompter ?? createInquirerPrompter({ operator });
  }

  const stateDir = input.stateDir ?? defaultStateDir(env);
  const store = fileJournalStore(stateDir);
  const runId = input.resume?.manifest.runId ?? newRunId(clock);
  const auditFile = input.auditFile ?? defaultAuditLogPath(env);
  const audit = await openAuditLog({ path: auditFile, clock });
  const resource = lockResource(usable.runbook, values);
  const appName = lockAppName(resource, { runId, operator });
  let targets: RunTargets = { sql: {}, azure: {} };
  let journal: Journal | undefined;
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
    if (!input.json) output.err(`agmedic: run ${runId} (${usable.runbook.metadata.name}) by ${operator} on ${host}; journal ${journal.location}`);
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
    if (input.json) {
      output.out(JSON.stringify({ ...result, facts: undefined, auditFile, runDir: journal.location, exitCode: code }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2));
    } else {
      output.out(`${result.outcome}: ${result.message}`);
      for (const d of result.inDoubt) output.out(`  in doubt: ${d.step} on ${d.target} → verify says ${d.resolution}`);
      if (result.outcome === 'interrupted') output.out(`  resume with: agmedic resume ${runId}${input.stateDir ? ` --state-dir ${input.stateDir}` : ''}`);
      output.out(`  audit: ${auditFile} (agmedic audit show ${runId})`);
    }
    return code;
  } finally {
    progress?.stop();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await closeRunTargets(targets);
    await journal?.close().catch(() => undefined);
    await audit.close().catch(() => undefined);
  }
}

export { resolveTargetsPath, loadUsableRunbook };

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
