/**
 * `agmedic diagnose [-t targets.yaml] [--sample 5s] [--concurrency N] [--link NAME] [--pair ID…]
 * [--rules FILE…] [--all] [--json]` — the composition root of diagnose: it wires the mssql and ARM
 * adapters into the ports src/diagnose talks through. Never prompts (a scheduler runs it at 3 a.m.):
 * a missing password is a finding about that target, not a question.
 */
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { AgmedicError } from '../../errors.js';
import { diagnoseFleet } from '../../diagnose/diagnose-fleet.js';
import type { DiagnosePorts } from '../../diagnose/gather-pair-facts.js';
import { groupPairs } from '../../diagnose/group-pairs.js';
import { renderReport, reportJson } from '../../diagnose/render-report.js';
import { loadRulesCached } from '../load-rules-cached.js';
import { shippedRunbooksDir } from '../../runbook/read-runbook.js';
import type { TargetConfig } from '../../ports/sql-target.js';
import { resolvePassword } from '../../runtime/targets/resolve-password.js';
import { resolveTargetsPath } from '../../runtime/targets/targets-path.js';
import { readTargetsFileCached } from '../read-targets-cached.js';
import { EXIT } from '../exit-codes.js';
import type { Output } from '../output.js';

export interface DiagnoseCommandOptions {
  targets?: string;
  sample?: string;
  concurrency?: string;
  link?: string;
  pair?: string[];
  rules?: string[];
  all?: boolean;
  json?: boolean;
}

/** `5s`, `300ms`, `1m`, `0` → milliseconds. */
export function parseSample(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(text);
  if (!m) throw new AgmedicError('USAGE', `--sample "${text}" is not a duration such as 5s, 500ms or 0`);
  const n = Number(m[1]);
  const ms = m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
  if (ms > 600_000) throw new AgmedicError('USAGE', `--sample ${text} is longer than 10 minutes`);
  return Math.round(ms);
}

/**
 * The real adapters, loaded only when diagnose runs (plan/validate never pay for mssql or @azure/*).
 * The ARM client (@azure/arm-sql takes over a second to import) loads only when a target has
 * `azure:` coordinates — and starts loading at once then, while the first connections are made.
 */
export async function adapterPorts(env: Readonly<Record<string, string | undefined>> = process.env, opts: { preloadArm?: boolean } = {}): Promise<DiagnosePorts> {
  let arm: Promise<[typeof import('../../adapters/arm-link.js'), typeof import('../../adapters/azure-credential.js')]> | undefined;
  const loadArm = () => (arm ??= Promise.all([import('../../adapters/arm-link.js'), import('../../adapters/azure-credential.js')]));
  if (opts.preloadArm) void loadArm().catch(() => undefined);
  // @azure/identity too is loaded only for a target that signs in with Entra ID.
  const { openSqlTarget } = await import('../../adapters/mssql-target.js');
  return {
    async openSql(config: TargetConfig) {
      const credential =
        config.auth.type === 'entra'
          ? (await import('../../adapters/azure-credential.js')).createEntraCredential(config.auth.credential, config.auth.clientId)
          : await resolvePassword(config, undefined, env);
      // One connection is enough: the snapshot is one batch, and the fleet bounds concurrency anyway.
      return openSqlTarget(config.role, config, credential, { poolMax: 1, appName: 'agmedic diagnose' });
    },
    async openArm(config: TargetConfig) {
      const [{ openAzureLink }, { azureCredentialFor }] = await loadArm();
      return openAzureLink(config.role, config.azure!, azureCredentialFor(config.azure!, config.auth, env), { maxRetries: 1 });
    },
    now: () => performance.now(),
    sleep: (ms: number, signal?: AbortSignal) => sleep(ms, undefined, signal ? { signal } : {}),
  };
}

/**
 * Exit codes: 0 nothing critical (warnings may exist) · 9 at least one critical finding (an
 * unreachable target included) · 1/2/3 bad rules, usage or a missing targets file.
 */
export async function diagnoseCommand(opts: DiagnoseCommandOptions, output: Output, deps: { ports?: DiagnosePorts; env?: Readonly<Record<string, string | undefined>> } = {}): Promise<number> {
  const env = deps.env ?? process.env;
  const sampleMs = parseSample(opts.sample ?? '5s');
  const concurrency = opts.concurrency === undefined ? 16 : Number(opts.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) throw new AgmedicError('USAGE', `--concurrency must be 1–256, got "${opts.concurrency}"`);
  const targetsFile = resolveTargetsPath(opts.targets, env) ?? 'targets.yaml';
  const runbooksDir = shippedRunbooksDir();
  // Rules first: a broken rule is reported before any server is contacted.
  const rules = await loadRulesCached({ runbooksDir, ...(opts.rules?.length ? { files: opts.rules } : {}) });
  const config = await readTargetsFileCached(targetsFile);
  const { pairs, ignored } = groupPairs(config.targets, opts.pair);
  if (pairs.length === 0) {
    throw new AgmedicError(
      'TARGETS_FILE',
      `${targetsFile}: no pair of targets to diagnose — name the roles sqlserver and mi, or sqlserver-<id> and mi-<id> for a fleet${ignored.length ? ` (ignored: ${ignored.join(', ')})` : ''}`,
    );
  }
  const ports = deps.ports ?? (await adapterPorts(env, { preloadArm: pairs.some((p) => p.mi?.azure !== undefined || p.sqlserver?.azure !== undefined) }));
  const controller = new AbortController();
  // Every statement of the fleet listens on this one signal.
  setMaxListeners(0, controller.signal);
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  let report;
  try {
    report = await diagnoseFleet(pairs, ports, {
      rules,
      targetsFile,
      sampleMs,
      concurrency,
      signal: controller.signal,
      ...(opts.link === undefined ? {} : { link: opts.link }),
    });
  } catch (err) {
    if (controller.signal.aborted) throw new AgmedicError('CANCELLED', 'diagnose interrupted', { cause: err });
    throw err;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  if (opts.json) output.out(JSON.stringify({ ...(reportJson(report) as object), ignoredRoles: ignored }, null, 2));
  else {
    output.out(renderReport(report, { color: output.color, all: opts.all ?? false }));
    if (ignored.length) output.err(`agmedic: roles not part of any pair were left out: ${ignored.join(', ')}`);
  }
  return report.summary.critical > 0 ? EXIT.critical : EXIT.ok;
}
