/**
 * The split-brain drill (issue 5): lab up (scenario split-brain, speed 100) → `plan --live` → an
 * unattended run of split-brain-recovery under a freshly signed approval → verified with SQL of
 * our own (one PRIMARY, one SECONDARY, link HEALTHY). Target: ≤ 10 s of wall time.
 *
 * Each drill runs in-process, through the same command functions the CLI calls, with the
 * runbook's delays on the lab's clock (as `agmedic demo` does); then `agmedic demo` runs once as a
 * fresh process, so Node's start and module loading are counted too.
 *
 * Run: npm run bench -- drill   (or: npm run build && node dist/bench/drill.js [drills])
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import sql from 'mssql';
import { planCommand } from '../src/cli/commands/plan.js';
import { runCommand } from '../src/cli/commands/run.js';
import { loadUsableRunbook } from '../src/cli/load-and-compile.js';
import { memoryOutput } from '../src/cli/output.js';
import { resolveParameters } from '../src/compile/index.js';
import { startLab, type Lab } from '../src/lab/index.js';
import { approvalServerName, generateKeyPair, signApproval } from '../src/runtime/approval/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const drills = Number(process.argv[2] ?? 3);
const SPEED = 100;
const RUNBOOK = 'split-brain-recovery';
const PARAMS: Record<string, string> = { link: 'SalesLink', keep: 'managedInstance', backup_path: 'D:\\Backup\\Sales_splitbrain.trn' };
const ROLE_SQL = `SELECT rs.role_desc AS role FROM sys.availability_groups ag
JOIN sys.dm_hadr_availability_replica_states rs ON ag.group_id = rs.group_id
WHERE rs.is_local = 1 AND ag.is_distributed = 1 AND ag.name = 'SalesLink'`;
const HEALTH_SQL = `SELECT rs.synchronization_health_desc AS health FROM sys.availability_groups ag
JOIN sys.dm_hadr_availability_replica_states rs ON ag.group_id = rs.group_id
WHERE rs.is_local = 0 AND rs.role = 2 AND ag.is_distributed = 1 AND ag.name = 'SalesLink'`;

async function sqlOn(lab: Lab, port: number, text: string): Promise<Record<string, unknown>[]> {
  const pool = await new sql.ConnectionPool({ server: lab.host, port, user: lab.login, password: lab.password, options: { encrypt: false }, pool: { max: 1 } }).connect();
  try {
    return (await pool.request().query(text)).recordset;
  } finally {
    await pool.close();
  }
}

interface Phases {
  labUp: number;
  livePlan: number;
  run: number;
  verify: number;
  total: number;
}

async function drill(): Promise<Phases> {
  const home = mkdtempSync(join(tmpdir(), 'agmedic-drill-'));
  const t0 = performance.now();
  const lab = await startLab({ scenario: 'split-brain', speed: SPEED });
  const t1 = performance.now();
  try {
    const { targets } = lab.writeTargets(join(home, 'targets.yaml'));
    process.env[lab.env.password] = lab.password;
    process.env[lab.env.armToken] = lab.armToken;
    const env = { ...process.env, AGMEDIC_HOME: home };
    const param = Object.entries(PARAMS).map(([k, v]) => `${k}=${v}`);
    const out = memoryOutput();
    if ((await planCommand(RUNBOOK, { param, format: 'json', live: true, targets }, out)) !== 0) throw new Error(`plan --live failed:\n${out.stderr}`);
    const t2 = performance.now();

    lab.world.setWorkload('SQL01', 0); // the application owner stops writing to the side to demote
    const usable = loadUsableRunbook(RUNBOOK);
    const values = resolveParameters(usable.runbook, PARAMS).values;
    const keys = generateKeyPair();
    mkdirSync(join(home, 'trusted-keys'));
    writeFileSync(join(home, 'trusted-keys', 'drill.pub'), keys.publicKeyPem);
    const approval = signApproval(
      {
        runbook: { name: usable.runbook.metadata.name, sha256: usable.sha256 },
        targets: [approvalServerName(lab.host, lab.sqlserver.port), approvalServerName(lab.host, lab.mi.port)],
        parameters: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { equals: v as string | number | boolean }])),
        approver: 'drill',
        issuedAt: new Date(Date.now() - 60_000),
        expiresAt: new Date(Date.now() + 3_600_000),
      },
      keys.privateKeyPem,
    );
    writeFileSync(join(home, 'drill.approval.json'), JSON.stringify(approval));
    const timers = { setTimeout: (fn: (...a: unknown[]) => void, ms: number) => setTimeout(fn, Math.max(1, ms / SPEED)), clearTimeout: (id: unknown) => clearTimeout(id as NodeJS.Timeout) };
    const runOut = memoryOutput();
    const code = await runCommand(
      RUNBOOK,
      { param, targets, unattended: true, approval: join(home, 'drill.approval.json'), trustedKeys: join(home, 'trusted-keys'), json: true },
      runOut,
      { env, interactive: false, timers },
    );
    if (code !== 0) throw new Error(`the run ended with exit ${code}:\n${runOut.stdout}\n${runOut.stderr}`);
    const t3 = performance.now();

    const [s, m] = await Promise.all([sqlOn(lab, lab.sqlserver.port, ROLE_SQL), sqlOn(lab, lab.mi.port, ROLE_SQL)]);
    const health = await sqlOn(lab, lab.mi.port, HEALTH_SQL);
    if (s[0]?.role !== 'SECONDARY' || m[0]?.role !== 'PRIMARY' || health[0]?.health !== 'HEALTHY') {
      throw new Error(`not verified: SQL01 ${String(s[0]?.role)}, mi-lab ${String(m[0]?.role)}, link ${String(health[0]?.health)}`);
    }
    const t4 = performance.now();
    return { labUp: t1 - t0, livePlan: t2 - t1, run: t3 - t2, verify: t4 - t3, total: t4 - t0 };
  } finally {
    await lab.close();
  }
}

const ms = (n: number): string => `${n.toFixed(0).padStart(6)} ms`;
const results: Phases[] = [];
for (let i = 0; i < drills; i++) results.push(await drill());
console.log(`split-brain drill, lab at --speed ${SPEED}, ${drills} drills in one process (target: total ≤ 10 s)`);
console.log('  drill   lab up   plan --live   unattended run   verify      total');
results.forEach((r, i) => console.log(`  ${String(i + 1).padStart(5)} ${ms(r.labUp)} ${ms(r.livePlan)}    ${ms(r.run)}      ${ms(r.verify)} ${ms(r.total)}`));
const worst = Math.max(...results.map((r) => r.total));

const t0 = performance.now();
const demo = spawnSync(process.execPath, [join(root, 'bin', 'agmedic.js'), 'demo', '--speed', String(SPEED)], { cwd: root, env: { ...process.env, CI: 'true' }, encoding: 'utf8' });
const demoMs = performance.now() - t0;
const verified = /verified: one PRIMARY, one SECONDARY, link HEALTHY/.test(demo.stdout ?? '');
console.log(`  agmedic demo as a fresh process (node start included): ${ms(demoMs)}, exit ${demo.status}, ${verified ? 'verified' : 'NOT verified'}`);
const ok = worst <= 10_000 && demo.status === 0 && verified && demoMs <= 10_000;
console.log(ok ? '  within target' : '  OVER TARGET or failed');
process.exit(ok ? 0 : 1);
