/**
 * Opening a runbook's targets, shared by `run`/`resume` and `plan --live`: every role checked
 * against the targets file and every credential resolved before the first connection (so a run or
 * plan that cannot finish opens nothing), then SQL through the mssql adapter and, when the runbook
 * calls Azure, the link resource through the ARM adapter. Each adapter is imported here, at the
 * moment it is needed (issue 13): mssql when the first target opens, the Azure SDKs only for an
 * Entra sign-in or a runbook with ARM steps.
 */
import { AgmedicError } from '../errors.js';
import type { AzureLink } from '../ports/azure-link.js';
import type { SqlTarget } from '../ports/sql-target.js';
import type { Runbook } from '../runbook/schema.js';
import { resolvePassword, type PasswordPrompter } from '../runtime/targets/resolve-password.js';
import type { TargetsConfig } from '../runtime/targets/types.js';
import type { RunTargets } from '../runtime/types.js';
import { usesAzure } from './uses-azure.js';

export { usesAzure };

export interface OpenTargetsOptions {
  /** Asks for a password the environment does not have (interactive runs only). */
  askPassword?: PasswordPrompter;
  env?: Readonly<Record<string, string | undefined>>;
  /** The connection's application name (the run lock's holder description). */
  appName?: string;
}


/**
 * Throws `TARGET_MISSING` when the targets file lacks a role the runbook uses — before anything
 * is opened.
 */
export function assertTargetsCover(runbook: Runbook, config: TargetsConfig): void {
  const missing = runbook.targets.find((role) => !config.targets[role]);
  if (missing !== undefined) {
    throw new AgmedicError('TARGET_MISSING', `the runbook ${runbook.metadata.name} runs on "${missing}", which ${config.path} does not define (it has: ${Object.keys(config.targets).join(', ') || 'none'})`, {
      details: { role: missing },
    });
  }
}

/**
 * Opens every role the runbook uses. A failure closes what was already opened and rethrows (the
 * adapter's error names the target, the server and the driver's reason).
 *
 * @example
 * const targets = await openRunTargets(usable.runbook, readTargetsFile(path), { appName });
 * try { … } finally { await closeRunTargets(targets); }
 */
export async function openRunTargets(runbook: Runbook, config: TargetsConfig, opts: OpenTargetsOptions = {}): Promise<RunTargets> {
  const env = opts.env ?? process.env;
  assertTargetsCover(runbook, config);
  const azureToo = usesAzure(runbook);
  const entra = runbook.targets.some((role) => config.targets[role]!.auth.type === 'entra');
  const [{ openSqlTarget }, credentialModule, armModule] = await Promise.all([
    import('../adapters/mssql-target.js'),
    entra || azureToo ? import('../adapters/azure-credential.js') : undefined,
    azureToo ? import('../adapters/arm-link.js') : undefined,
  ]);
  const credentials = new Map<string, Parameters<typeof openSqlTarget>[2]>();
  for (const role of runbook.targets) {
    const t = config.targets[role]!;
    credentials.set(role, t.auth.type === 'entra' ? credentialModule!.createEntraCredential(t.auth.credential, t.auth.clientId) : await resolvePassword(t, opts.askPassword, env));
  }
  const sql: Record<string, SqlTarget> = {};
  const azure: Record<string, AzureLink> = {};
  try {
    for (const role of runbook.targets) {
      const t = config.targets[role]!;
      sql[role] = await openSqlTarget(role, t, credentials.get(role)!, opts.appName === undefined ? {} : { appName: opts.appName });
      if (t.azure && armModule) azure[role] = armModule.openAzureLink(role, t.azure, credentialModule!.azureCredentialFor(t.azure, t.auth, env));
    }
  } catch (err) {
    await closeRunTargets({ sql, azure });
    throw err;
  }
  return { sql, azure };
}

/** Closes every SQL connection (which also releases a run's session-owned locks); never throws. */
export async function closeRunTargets(targets: RunTargets): Promise<void> {
  await Promise.allSettled(Object.values(targets.sql).map((t) => t.close()));
}
