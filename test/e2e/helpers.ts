/**
 * End-to-end harness: a lab over TCP, a scratch AGMEDIC_HOME with the targets file, a fresh key pair
 * and a signed approval covering exactly one run, and `agmedic run` driven in-process (runCommand,
 * the same code path as the CLI). Statement delays of the runbooks (wait intervals, retries) follow
 * the lab's clock: at speed 100 a 10 s interval takes 100 ms, exactly as the lab's world moves.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sql from 'mssql';
import { runCommand } from '../../src/cli/commands/run.js';
import { resumeCommand } from '../../src/cli/commands/resume.js';
import { loadUsableRunbook } from '../../src/cli/load-and-compile.js';
import { memoryOutput } from '../../src/cli/output.js';
import { resolveParameters } from '../../src/compile/index.js';
import { startLab, type Lab, type LabStatement } from '../../src/lab/index.js';
import type { Timers } from '../../src/ports/timers.js';
import { approvalArmName, approvalServerName } from '../../src/runtime/approval/authorize-unattended.js';
import { generateKeyPair } from '../../src/runtime/approval/keys.js';
import { signApproval } from '../../src/runtime/approval/sign-approval.js';

export const SPEED = 100;

/** Statements that change something on an instance (anything but reads and the run's own app lock). */
export const CHANGING =
  /^\s*(ALTER|BACKUP|CREATE|DROP|DBCC\s+(?!TRACESTATUS\b|SQLPERF\b|OPENTRAN\b|INPUTBUFFER\b|SHOW_STATISTICS\b)|RESTORE|INSERT|UPDATE|DELETE|MERGE|TRUNCATE|GRANT|REVOKE|DENY|KILL|SHUTDOWN|RECONFIGURE|EXEC(UTE)?\s+(?!sp_getapplock\b|sp_releaseapplock\b|sp_executesql\b)\S)/i;

export interface E2eLab {
  lab: Lab;
  home: string;
  targets: string;
  env: Record<string, string | undefined>;
  speed: number;
  close(): Promise<void>;
}

export async function startE2eLab(scenario: string, speed = SPEED): Promise<E2eLab> {
  const home = mkdtempSync(join(tmpdir(), `agmedic-e2e-${scenario}-`));
  const lab = await startLab({ scenario, speed });
  const { targets } = lab.writeTargets(join(home, 'targets.yaml'));
  const env = { ...process.env, AGMEDIC_HOME: home, AGMEDIC_LAB_PASSWORD: lab.password, AGMEDIC_LAB_ARM_TOKEN: lab.armToken, AGMEDIC_OPERATOR: 'e2e', NO_COLOR: '1' };
  return { lab, home, targets, env, speed, close: () => lab.close() };
}

/** Timers that run the runbook's delays at the lab's speed. */
export function labTimers(speed: number): Timers {
  return {
    setTimeout: (fn, ms) => setTimeout(fn, Math.max(1, Math.round(ms / speed))),
    clearTimeout: (id) => clearTimeout(id as NodeJS.Timeout),
  };
}

/** A key pair in `home/trusted-keys` and an approval for exactly these resolved parameters. */
export function approve(e: E2eLab, runbook: string, params: Record<string, string>, name = 'run'): { approval: string; trustedKeys: string } {
  const usable = loadUsableRunbook(runbook);
  const resolved = resolveParameters(usable.runbook, params);
  const errors = resolved.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(errors.map((d) => d.message).join('; '));
  const keys = generateKeyPair();
  const trusted = join(e.home, 'trusted-keys');
  mkdirSync(trusted, { recursive: true });
  writeFileSync(join(trusted, `${name}.pub`), keys.publicKeyPem);
  const now = Date.now();
  const approval = signApproval(
    {
      runbook: { name: usable.runbook.metadata.name, sha256: usable.sha256 },
      targets: [
        approvalServerName(e.lab.host, e.lab.sqlserver.port),
        approvalServerName(e.lab.host, e.lab.mi.port),
        // The link resource an Azure step reaches is approved too.
        approvalArmName({ subscriptionId: e.lab.names.subscriptionId, resourceGroup: e.lab.names.resourceGroup, instance: e.lab.names.instance, endpoint: e.lab.arm.url }),
      ],
      parameters: Object.fromEntries(Object.entries(resolved.values).map(([k, v]) => [k, { equals: v as string | number | boolean }])),
      approver: 'e2e-approver@lab',
      issuedAt: new Date(now - 60_000),
      expiresAt: new Date(now + 3_600_000),
    },
    keys.privateKeyPem,
  );
  const file = join(e.home, `${name}.approval.json`);
  writeFileSync(file, JSON.stringify(approval, null, 2));
  return { approval: file, trustedKeys: trusted };
}

export interface RunJson {
  runId: string;
  outcome: string;
  message: string;
  code?: string;
  step?: string;
  route: { step: string; via?: string }[];
  inDoubt: { step: string; target: string; resolution: string }[];
  exitCode: number;
  auditFile: string;
  runDir: string;
}

function parseRun(stdout: string, stderr: string, code: number): RunJson {
  try {
    return JSON.parse(stdout) as RunJson;
  } catch {
    return { outcome: `no-json (exit ${code})`, message: `${stdout}\n${stderr}`, route: [], inDoubt: [], exitCode: code, runId: '', auditFile: '', runDir: '' };
  }
}

/** `agmedic run RUNBOOK --unattended` in-process, with a fresh approval for these parameters. */
export async function runUnattended(e: E2eLab, runbook: string, params: Record<string, string>, opts: { signal?: AbortSignal; name?: string } = {}): Promise<RunJson> {
  const { approval, trustedKeys } = approve(e, runbook, params, opts.name);
  const out = memoryOutput();
  let code: number;
  try {
    code = await runCommand(
      runbook,
      { param: Object.entries(params).map(([k, v]) => `${k}=${v}`), targets: e.targets, unattended: true, approval, trustedKeys, json: true },
      out,
      { env: e.env, interactive: false, timers: labTimers(e.speed), ...(opts.signal ? { signal: opts.signal } : {}) },
    );
  } catch (err) {
    return { outcome: `threw ${(err as { code?: string }).code ?? ''}`, message: String((err as Error).message), route: [], inDoubt: [], exitCode: -1, runId: '', auditFile: '', runDir: '' };
  }
  return parseRun(out.stdout, out.stderr, code);
}

/** `agmedic resume RUN_ID` in-process. */
export async function resumeRun(e: E2eLab, runId: string): Promise<RunJson> {
  const out = memoryOutput();
  const code = await resumeCommand(runId, { json: true }, out, { env: e.env, interactive: false, timers: labTimers(e.speed) });
  return parseRun(out.stdout, out.stderr, code);
}

/** Changing statements the lab received (optionally only since index `from` of the log). */
export function changes(lab: Lab, from = 0): LabStatement[] {
  return lab.statementLog().slice(from).filter((s) => CHANGING.test(s.text));
}

/** ARM requests that change the link resource (anything but GET). */
export function armChanges(lab: Lab, from = 0): string[] {
  return lab.arm.requests.slice(from).filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);
}

/** Independent SQL through its own mssql pool (not agmedic's), one connection, closed after. */
export async function query<T = Record<string, unknown>>(lab: Lab, instance: 'sqlserver' | 'mi', text: string): Promise<T[]> {
  const ep = instance === 'sqlserver' ? lab.sqlserver : lab.mi;
  const pool = new sql.ConnectionPool({
    server: ep.host,
    port: ep.port,
    user: lab.login,
    password: lab.password,
    database: 'master',
    connectionTimeout: 5000,
    requestTimeout: 5000,
    options: { encrypt: false, trustServerCertificate: false },
    pool: { max: 1, min: 0 },
  });
  await pool.connect();
  try {
    return (await pool.request().query(text)).recordset as T[];
  } finally {
    await pool.close();
  }
}

export const ROLE_SQL = `SELECT rs.role_desc AS role
FROM sys.availability_groups ag
JOIN sys.dm_hadr_availability_replica_states rs ON ag.group_id = rs.group_id
WHERE rs.is_local = 1 AND ag.is_distributed = 1 AND ag.name = 'SalesLink'`;

/** The link role on each side, read independently. */
export async function roles(lab: Lab): Promise<{ sqlserver: string | null; mi: string | null }> {
  const [s, m] = await Promise.all([query<{ role: string }>(lab, 'sqlserver', ROLE_SQL), query<{ role: string }>(lab, 'mi', ROLE_SQL)]);
  return { sqlserver: s[0]?.role ?? null, mi: m[0]?.role ?? null };
}

/** The run's audit log (AGMEDIC_HOME/audit.jsonl) as text; '' before the first record. */
export function auditText(e: E2eLab): string {
  try {
    return readFileSync(join(e.home, 'audit.jsonl'), 'utf8');
  } catch {
    return '';
  }
}

/** Audit records of one type and step, parsed. */
export function auditRecords(e: E2eLab, type?: string, step?: string): Record<string, unknown>[] {
  const text = auditText(e);
  const lines = text.split('\n');
  // Another process may be appending right now: a last line without its newline is not written yet.
  if (!text.endsWith('\n')) lines.pop();
  return lines
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((r) => (type === undefined || r.type === type) && (step === undefined || r.step === step));
}

/** Every journal of every run under this home, concatenated. */
export function journalsText(e: E2eLab): string {
  const runs = join(e.home, 'runs');
  if (!existsSync(runs)) return '';
  return readdirSync(runs)
    .map((id) => {
      try {
        return readFileSync(join(runs, id, 'journal.jsonl'), 'utf8');
      } catch {
        return '';
      }
    })
    .join('\n');
}

/** Polls every 10 ms until `probe` holds; throws naming `what` after `ms`. */
export async function until(what: string, probe: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Statements the lab executed successfully whose text matches (each one really took effect once). */
export function executed(lab: Lab, pattern: RegExp): LabStatement[] {
  return lab.statementLog().filter((s) => pattern.test(s.text) && s.outcome.ok);
}
