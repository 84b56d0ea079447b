/**
 * `agmedic demo [--speed N] [--unattended]`: the whole story in one command, on the rehearsal lab.
 * A SQL Server + managed instance pair in split brain starts in-process (ephemeral ports), `plan
 * --live` shows what split-brain-recovery would do, then the recovery runs — guided at a terminal,
 * unattended under a demo approval valid only for the lab's two endpoints otherwise (CI) — and the
 * demo ends by checking the roles with its own SQL and verifying the audit chain.
 *
 * Everything it writes (targets file, key pair, approval, audit log, journal) goes into a fresh
 * temporary folder used as AGMEDIC_HOME for the run: the demo never touches the operator's real
 * trusted keys or audit log.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlTarget } from '../../adapters/mssql-target.js';
import { resolveParameters } from '../../compile/index.js';
import { AgmedicError } from '../../errors.js';
import { startLab, type Lab } from '../../lab/index.js';
import type { Timers } from '../../ports/timers.js';
import { approvalServerName, generateKeyPair, signApproval } from '../../runtime/approval/index.js';
import { readTargetsFile, resolvePassword } from '../../runtime/targets/index.js';
import { EXIT } from '../exit-codes.js';
import { loadUsableRunbook } from '../load-and-compile.js';
import type { Output } from '../output.js';
import { readAuditLog } from '../../audit/index.js';
import { buildRunReport } from '../../audit/build-run-report.js';
import { renderReportHtml } from '../../audit/render-report-html.js';
import { auditVerifyCommand } from './audit.js';
import { gatherReport } from './report.js';
import { planCommand } from './plan.js';
import { runCommand } from './run.js';

export interface DemoOptions {
  /** Simulated seconds per real second in the lab (and for the runbook's waits). Default 100. */
  speed?: string;
  /** Run unattended even at a terminal. */
  unattended?: boolean;
}

const RUNBOOK = 'split-brain-recovery';
const PARAMS: Record<string, string> = { link: 'SalesLink', keep: 'managedInstance', backup_path: 'D:\\Backup\\Sales_splitbrain.trn' };

const ROLE_SQL = `SELECT @@SERVERNAME AS server_name, rs.role_desc AS role
FROM sys.availability_groups AS ag
JOIN sys.dm_hadr_availability_replica_states AS rs ON ag.group_id = rs.group_id
WHERE rs.is_local = 1 AND ag.is_distributed = 1 AND ag.name = 'SalesLink'`;
const HEALTH_SQL = `SELECT rs.synchronization_health_desc AS health
FROM sys.availability_groups AS ag
JOIN sys.dm_hadr_availability_replica_states AS rs ON ag.group_id = rs.group_id
WHERE rs.is_local = 0 AND rs.role = 2 AND ag.is_distributed = 1 AND ag.name = 'SalesLink'`;

/**
 * The runbook's delays (wait intervals, retries) run on the lab's clock: at speed 100 a 10 s poll
 * interval takes 100 ms, exactly as the lab's world moves 100 times faster.
 */
function labTimers(speed: number): Timers {
  return {
    setTimeout: (fn, ms) => setTimeout(fn, Math.max(1, Math.round(ms / speed))),
    clearTimeout: (id) => clearTimeout(id as NodeJS.Timeout),
  };
}

interface SideState {
  role: string;
  server: string;
  health?: string;
}

/** The link role (and, on the primary, the link health) of each side, read on connections of its own. */
async function readSides(targetsFile: string, env: Record<string, string | undefined>): Promise<Record<'sqlserver' | 'mi', SideState>> {
  const config = readTargetsFile(targetsFile);
  const out: Partial<Record<'sqlserver' | 'mi', SideState>> = {};
  for (const role of ['sqlserver', 'mi'] as const) {
    const target = config.targets[role]!;
    const sql = await openSqlTarget(role, target, await resolvePassword(target, undefined, env), { appName: 'agmedic-demo-check', poolMax: 1 });
    try {
      const rows = (await sql.query(ROLE_SQL, [], {})).rows;
      const side: SideState = { role: String(rows[0]?.role ?? 'none'), server: String(rows[0]?.server_name ?? role) };
      if (side.role === 'PRIMARY') {
        const health = (await sql.query(HEALTH_SQL, [], {})).rows;
        side.health = String(health[0]?.health ?? 'no remote replica');
      }
      out[role] = side;
    } finally {
      await sql.close();
    }
  }
  return out as Record<'sqlserver' | 'mi', SideState>;
}

function describeSides(s: Record<'sqlserver' | 'mi', SideState>): string[] {
  return (['sqlserver', 'mi'] as const).map((r) => `  ${s[r].server.padEnd(8)} ${s[r].role}${s[r].health ? ` (link ${s[r].health})` : ''}`);
}

/** A demo approval: this runbook's exact content, these parameters, the lab's two endpoints, one hour. */
function writeDemoApproval(home: string, lab: Lab): { approval: string; trustedKeys: string; keyId: string } {
  const usable = loadUsableRunbook(RUNBOOK);
  const resolved = resolveParameters(usable.runbook, PARAMS);
  const keys = generateKeyPair();
  const trustedKeys = join(home, 'trusted-keys');
  mkdirSync(trustedKeys, { recursive: true });
  writeFileSync(join(trustedKeys, 'demo.pub'), keys.publicKeyPem);
  writeFileSync(join(home, 'demo.key'), keys.privateKeyPem, { mode: 0o600 });
  const now = Date.now();
  const approval = signApproval(
    {
      runbook: { name: usable.runbook.metadata.name, sha256: usable.sha256 },
      targets: [approvalServerName(lab.host, lab.sqlserver.port), approvalServerName(lab.host, lab.mi.port)],
      parameters: Object.fromEntries(Object.entries(resolved.values).map(([k, v]) => [k, { equals: v as string | number | boolean }])),
      approver: 'agmedic-demo',
      issuedAt: new Date(now - 60_000),
      expiresAt: new Date(now + 3_600_000),
    },
    keys.privateKeyPem,
  );
  const file = join(home, 'demo.approval.json');
  writeFileSync(file, `${JSON.stringify(approval, null, 2)}\n`);
  return { approval: file, trustedKeys, keyId: keys.keyId };
}

/** The HTML report of the demo's run, next to its audit log. */
async function writeDemoReport(home: string, audit: string): Promise<{ runId: string; path: string }> {
  const runId = (await readAuditLog(audit)).findLast((r) => r.type === 'run-start')?.runId;
  if (!runId) throw new AgmedicError('INTERNAL', `the demo's audit log ${audit} has no run`);
  const report = buildRunReport(await gatherReport(runId, { audit, stateDir: home }));
  const path = join(home, `report-${runId}.html`);
  writeFileSync(path, renderReportHtml(report, { generatedAt: new Date().toISOString() }), { mode: 0o600 });
  return { runId, path };
}

export async function demoCommand(opts: DemoOptions, output: Output): Promise<number> {
  const speed = Number(opts.speed ?? '100');
  if (!Number.isFinite(speed) || speed <= 0 || speed > 10_000) throw new AgmedicError('USAGE', `--speed must be a number from 1 to 10000, not ${opts.speed}`);
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY) && !opts.unattended && !process.env.CI;
  const started = performance.now();
  const home = mkdtempSync(join(tmpdir(), 'agmedic-demo-'));
  const say = (line = ''): void => output.out(line);
  const params = Object.entries(PARAMS).map(([k, v]) => `${k}=${v}`);

  say(`agmedic demo: recovering a Managed Instance link from split brain, on the rehearsal lab (speed ${speed}x)`);
  say(`  working folder (AGMEDIC_HOME for this demo): ${home}`);
  const lab = await startLab({ scenario: 'split-brain', speed });
  try {
    const { targets } = lab.writeTargets(join(home, 'targets.yaml'));
    const env: Record<string, string | undefined> = { ...process.env, AGMEDIC_HOME: home, [lab.env.password]: lab.password, [lab.env.armToken]: lab.armToken };
    // `plan --live` reads the passwords from this process's environment.
    process.env[lab.env.password] = lab.password;
    process.env[lab.env.armToken] = lab.armToken;

    say('');
    say('1. The lab');
    say(`  SQL Server SQL01 on ${lab.host}:${lab.sqlserver.port}, managed instance mi-lab on ${lab.host}:${lab.mi.port}, ARM on ${lab.arm.url}`);
    say(`  targets file: ${targets}`);
    say('  After a forced failover to mi-lab, SQL01 came back: what each side says about the link SalesLink:');
    for (const l of describeSides(await readSides(targets, env))) say(l);

    say('');
    say(`2. agmedic plan ${RUNBOOK} --live ${params.map((p) => `-p ${p}`).join(' ')}`);
    const planCode = await planCommand(RUNBOOK, { param: params, format: 'text', live: true, targets }, output);
    if (planCode !== EXIT.ok) return planCode;

    say('');
    say('3. The recovery');
    // The runbook asks for the application's writes to the side it demotes to stop, then checks that
    // nothing commits there for 10 seconds; the lab's application owner has done it already.
    lab.world.setWorkload('SQL01', 0);
    say('  (the application writing to SQL01 has been stopped, as the runbook will ask)');
    let runCode: number;
    if (interactive) {
      say(`  guided: agmedic run ${RUNBOOK} ${params.map((p) => `-p ${p}`).join(' ')} -t ${targets}`);
      runCode = await runCommand(RUNBOOK, { param: params, targets }, output, { env, interactive: true, timers: labTimers(speed) });
    } else {
      const { approval, trustedKeys, keyId } = writeDemoApproval(home, lab);
      say('  no terminal: unattended, under a demo approval signed for this runbook, these parameters and');
      say(`  the lab's two endpoints only (key ${keyId}, valid one hour): ${approval}`);
      say(`  agmedic run ${RUNBOOK} ${params.map((p) => `-p ${p}`).join(' ')} -t ${targets} --unattended --approval ${approval} --trusted-keys ${trustedKeys}`);
      runCode = await runCommand(RUNBOOK, { param: params, targets, unattended: true, approval, trustedKeys }, output, { env, interactive: false, timers: labTimers(speed) });
    }

    say('');
    say('4. Checked by the lab, with SQL of its own on both instances');
    const sides = await readSides(targets, env);
    for (const l of describeSides(sides)) say(l);
    const roles = [sides.sqlserver.role, sides.mi.role].sort().join('+');
    const onePrimary = roles === 'PRIMARY+SECONDARY';
    const primary = sides.sqlserver.role === 'PRIMARY' ? sides.sqlserver : sides.mi;
    const healthy = onePrimary && primary.health === 'HEALTHY';
    say(onePrimary && healthy ? '  verified: one PRIMARY, one SECONDARY, link HEALTHY' : `  NOT verified: roles ${roles}, link ${primary.health ?? 'unknown'}`);
    const audit = join(home, 'audit.jsonl');
    say(`  audit log: ${audit}`);
    say(`  agmedic audit verify --audit ${audit}`);
    const auditCode = await auditVerifyCommand({ audit }, output);
    say('');
    say('5. The report for the incident review (from the audit log and the journal only)');
    const report = await writeDemoReport(home, audit);
    say(`  agmedic report ${report.runId} --out ${report.path}`);
    say(`  report: ${report.path}`);
    say('');
    say(`demo finished in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    if (runCode !== EXIT.ok) return runCode;
    if (!onePrimary || !healthy) return EXIT.failed;
    return auditCode;
  } finally {
    await lab.close();
  }
}
