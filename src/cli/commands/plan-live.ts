/**
 * The `--live` half of `agmedic plan`: imported only when --live is given, since it is the part
 * of `plan` that loads the drivers (mssql, @azure/*) — `plan` without --live never does.
 */
import { writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import type { CompileResult, ParamValue, Plan } from '../../compile/index.js';
import { AgmedicError } from '../../errors.js';
import type { AzureLink } from '../../ports/azure-link.js';
import type { SqlTarget } from '../../ports/sql-target.js';
import type { Runbook } from '../../runbook/schema.js';
import { makeLivePlan, renderLivePlan } from '../../runtime/live-plan/index.js';
import { readTargetsFile, resolvePassword, resolveTargetsPath, type TargetsConfig } from '../../runtime/targets/index.js';
import type { RunTargets } from '../../runtime/types.js';
import { EXIT } from '../exit-codes.js';
import type { Output } from '../output.js';

export interface LivePlanCliOptions {
  targets?: string;
  format: 'text' | 'json' | 'mermaid';
  out?: string;
}

export async function planLive(
  usable: { runbook: Runbook; compiled: CompileResult },
  plan: Plan,
  values: Record<string, ParamValue>,
  opts: LivePlanCliOptions,
  output: Output,
): Promise<number> {
  if (opts.format === 'mermaid') throw new AgmedicError('USAGE', '--live prints text or json; the mermaid picture is of the whole runbook (drop --live)');
  const path = resolveTargetsPath(opts.targets);
  if (path === undefined) throw new AgmedicError('USAGE', 'plan --live connects to the targets: give -t targets.yaml (or set AGMEDIC_TARGETS)');
  const config = readTargetsFile(path);
  const targets = await openTargets(usable.runbook, config);
  const ac = new AbortController();
  const onSigint = () => ac.abort(new AgmedicError('CANCELLED', 'interrupted (Ctrl-C)'));
  process.once('SIGINT', onSigint);
  let live;
  try {
    live = await makeLivePlan({
      ...usable, plan, values, targets, clock: { now: () => new Date() }, signal: ac.signal,
      operator: safeUser(), host: hostname(),
    });
  } finally {
    process.off('SIGINT', onSigint);
    await Promise.allSettled(Object.values(targets.sql).map((t) => t.close()));
  }
  if (opts.out) {
    try {
      writeFileSync(opts.out, `${JSON.stringify(live, null, 2)}\n`);
    } catch (cause) {
      throw new AgmedicError('FILE_READ', `cannot write the plan to ${opts.out}`, { cause });
    }
  }
  output.out(opts.format === 'json' ? JSON.stringify(live, null, 2) : renderLivePlan(live, { color: output.color }));
  if (live.live.outcome === 'interrupted') return EXIT.aborted;
  // A failed check is what the plan found, not a failure of the plan: the route shows where.
  return EXIT.ok;
}

/**
 * Opens every role the runbook uses: SQL through the mssql adapter, and the link resource in ARM
 * for roles with `azure:` coordinates. A failure closes what was opened and names the target.
 */
async function openTargets(runbook: Runbook, config: TargetsConfig): Promise<RunTargets> {
  const { openSqlTarget } = await import('../../adapters/mssql-target.js');
  const sql: Record<string, SqlTarget> = {};
  const azure: Record<string, AzureLink> = {};
  const usesAzure = runbook.steps.some((s) => s.check?.azure || s.action?.azure || s.verify?.azure || s.wait?.azure);
  // Every role is checked before the first connection: a plan that cannot finish opens nothing.
  const missing = runbook.targets.find((role) => !config.targets[role]);
  if (missing !== undefined) {
    throw new AgmedicError('TARGET_MISSING', `${config.path} has no target "${missing}", which runbook ${runbook.metadata.name} uses`, { details: { role: missing } });
  }
  const { createEntraCredential } = await import('../../adapters/azure-credential.js');
  // Passwords too: the environment (there is no prompt in plan) either has them all or we stop here.
  const credentials = new Map<string, Awaited<ReturnType<typeof resolvePassword>> | ReturnType<typeof createEntraCredential>>();
  for (const role of runbook.targets) {
    const t = config.targets[role]!;
    credentials.set(role, t.auth.type === 'entra' ? createEntraCredential(t.auth.credential, t.auth.clientId) : await resolvePassword(t));
  }
  try {
    for (const role of runbook.targets) {
      const t = config.targets[role]!;
      sql[role] = await openSqlTarget(role, t, credentials.get(role)!);
      if (t.azure && usesAzure) {
        const [{ openAzureLink }, { azureCredentialFor }] = await Promise.all([import('../../adapters/arm-link.js'), import('../../adapters/azure-credential.js')]);
        azure[role] = openAzureLink(role, t.azure, azureCredentialFor(t.azure, t.auth));
      }
    }
  } catch (err) {
    await Promise.allSettled(Object.values(sql).map((t) => t.close()));
    throw err;
  }
  return { sql, azure };
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
