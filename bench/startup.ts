/**
 * Start-up cost of every command as a process (issue 13), each as a ratio to `node -e 0` measured
 * in the same run: runs are interleaved (one of each case per round), so a busy machine slows the
 * baseline as much as the commands. Goals: plan/validate/graph/schema/list ≤ 2×; diagnose,
 * plan --live and run with SQL auth and no ARM step ≤ 3×, with ARM steps ≤ 4×; lab up to
 * accepting connections ≤ 3×; peak RSS of plan ≤ 1.5×.
 *
 * CPU time (user + sys of the child, from /proc/self/stat's cutime/cstime: Linux only, 10 ms
 * ticks, so a trimmed mean over the rounds) is the steady figure on a shared machine; wall time
 * (median) is what a user waits. The connected commands run against a lab started once by the
 * bench (`agmedic lab up`, healthy scenario): `diagnose --sample 0`; `plan --live`; `run
 * --unattended` of a runbook whose first check finds nothing to do. The issue measures them "up
 * to the first statement sent": a preload (bench/first-statement.mjs) notes the process's CPU
 * time and age when the first SQL batch/RPC or ARM request leaves; the whole process is shown too.
 * `lab up` is timed from spawn to its endpoints line (it prints once every listener accepts).
 *
 * Run: npm run bench -- startup   (or: npm run build && node dist/bench/startup.js [rounds])
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const rounds = Number(process.argv[2] ?? 15);
const cli = join(root, 'bin', 'agmedic.js');
const tmp = mkdtempSync(join(tmpdir(), 'agmedic-startup-'));
const TICK_MS = 10; // USER_HZ is 100 on Linux

interface Case {
  name: string;
  goal: string;
  args: string[];
  env?: Record<string, string>;
  /** Exit codes that count as success (diagnose exits 9 on a critical finding). */
  ok?: number[];
  /** Talks to servers: also measured up to its first statement (the issue's measure). */
  connected?: boolean;
}

interface Sample {
  cpu: number | undefined;
  wall: number;
  rss: number | undefined;
  /** Connected commands: CPU time and age of the process when its first statement left (bench/first-statement.mjs). */
  first?: { cpuMs: number; wallMs: number; what: string };
}

/** The child's CPU time from the kernel's account of reaped children (Linux); undefined elsewhere. */
function childCpuTicks(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[13]) + Number(fields[14]); // cutime, cstime (fields 16 and 17 of proc(5))
  } catch {
    return undefined;
  }
}

/** Peak RSS in KiB of the last reaped child, via GNU time's -f when it is installed. */
const gnuTime = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, '-e', '0'], { encoding: 'utf8' }).status === 0;

const firstStatementFile = join(tmp, 'first-statement.json');
const firstStatementPreload = join(root, 'bench', 'first-statement.mjs');

function once(c: Case): Sample {
  const args = c.connected ? ['--import', firstStatementPreload, ...c.args] : c.args;
  rmSync(firstStatementFile, { force: true });
  const before = childCpuTicks();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...c.env, AGMEDIC_FIRST_STATEMENT: c.connected ? firstStatementFile : '' } });
  const wall = performance.now() - t0;
  const after = childCpuTicks();
  if (!(c.ok ?? [0]).includes(r.status ?? -1)) throw new Error(`${c.name}: exited ${r.status}\n${r.stderr}`);
  const sample: Sample = { cpu: before === undefined || after === undefined ? undefined : (after - before) * TICK_MS, wall, rss: undefined };
  if (c.connected) {
    try {
      sample.first = JSON.parse(readFileSync(firstStatementFile, 'utf8')) as Sample['first'];
    } catch {
      throw new Error(`${c.name}: sent no statement (no SQL batch, RPC or HTTPS request)`);
    }
  }
  return sample;
}

function peakRssMiB(c: Case): number | undefined {
  if (!gnuTime) return undefined;
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...c.args], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...c.env } });
  const kib = Number(r.stderr.trim().split('\n').pop());
  return Number.isFinite(kib) ? kib / 1024 : undefined;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
/** Mean of the middle 60 %: tick-quantised CPU times need averaging, outliers need trimming. */
const trimmedMean = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const cut = Math.floor(s.length * 0.2);
  const mid = s.slice(cut, s.length - cut);
  return mid.reduce((a, b) => a + b, 0) / mid.length;
};

interface Lab {
  targets: string;
  sqlOnlyTargets: string;
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** `agmedic lab up` as a user starts it; resolves with its endpoints line and the time to it. */
async function labUp(dir: string, extra: string[] = []): Promise<{ ms: number; info: { targets: string; env: Record<string, string> }; stop(): Promise<void> }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [cli, 'lab', 'up', '--base-port', '0', '--json', '--scenario', 'healthy', '--state-file', join(dir, 'lab.json'), '--targets-out', join(dir, 'targets.yaml'), ...extra], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const info = await new Promise<{ targets: string; env: Record<string, string> }>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)) as { targets: string; env: Record<string, string> });
    });
    child.once('exit', (code) => reject(new Error(`lab up exited ${code}: ${err}`)));
  });
  const ms = performance.now() - t0;
  return {
    ms,
    info,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function startLab(): Promise<Lab> {
  const dir = join(tmp, 'lab');
  const up = await labUp(mkdtempSync(dir));
  const text = readFileSync(up.info.targets, 'utf8');
  // The same servers without the managed instance's ARM coordinates: the SQL-only case.
  const sqlOnlyTargets = join(tmp, 'sql-only-targets.yaml');
  writeFileSync(sqlOnlyTargets, text.replace(/\n    azure:\n(?: {6}.*\n)+/g, '\n'));
  return { targets: up.info.targets, sqlOnlyTargets, env: up.info.env, stop: up.stop };
}

function agmedic(args: string[], env: Record<string, string> = {}): string {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } });
  if (r.status !== 0) throw new Error(`agmedic ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** A key, a trust folder and approvals for the two unattended runs. */
function approvals(lab: Lab): { trusted: string; sqlOnly: string; arm: string } {
  const keys = join(tmp, 'keys');
  agmedic(['keygen', '--out', keys, '--name', 'bench']);
  const sqlOnly = join(tmp, 'split-brain.approval.json');
  const arm = join(tmp, 'log-truncation.approval.json');
  agmedic(['approve', 'split-brain-recovery', ...SPLIT_PARAMS, '--key', join(keys, 'bench.key'), '--approver', 'bench', '-t', lab.sqlOnlyTargets, '--out', sqlOnly], lab.env);
  agmedic(['approve', 'premature-log-truncation', '-p', 'link=SalesLink', '--key', join(keys, 'bench.key'), '--approver', 'bench', '-t', lab.targets, '--out', arm], lab.env);
  return { trusted: keys, sqlOnly, arm };
}

const SPLIT_PARAMS = ['-p', 'link=SalesLink', '-p', 'keep=managedInstance', '-p', 'backup_path=/var/opt/mssql/backup/Sales.trn'];

const offline: Case[] = [
  { name: '--version', goal: '', args: [cli, '--version'] },
  { name: 'plan split-brain-recovery', goal: '≤ 2.0×', args: [cli, 'plan', 'split-brain-recovery', '-p', 'link=SalesLink', '-p', 'keep=managedInstance'] },
  { name: 'validate runbooks/ (6 files)', goal: '≤ 2.0×', args: [cli, 'validate', 'runbooks'] },
  { name: 'graph split-brain-recovery', goal: '≤ 2.0×', args: [cli, 'graph', 'split-brain-recovery'] },
  { name: 'schema', goal: '≤ 2.0×', args: [cli, 'schema'] },
  { name: 'list', goal: '≤ 2.0×', args: [cli, 'list'] },
];

function connected(lab: Lab, a: { trusted: string; sqlOnly: string; arm: string }): Case[] {
  const state = join(tmp, 'state');
  const run = (approval: string, targets: string, runbook: string, params: string[]): string[] =>
    [cli, 'run', runbook, ...params, '-t', targets, '--unattended', '--approval', approval, '--trusted-keys', a.trusted, '--audit', join(tmp, 'audit.jsonl'), '--state-dir', state, '--json'];
  return [
    { name: 'diagnose --sample 0 (SQL auth)', goal: '≤ 3×', args: [cli, 'diagnose', '-t', lab.sqlOnlyTargets, '--sample', '0'], env: lab.env, connected: true, ok: [0, 9] },
    { name: 'plan --live split-brain (SQL auth)', goal: '≤ 3×', args: [cli, 'plan', 'split-brain-recovery', ...SPLIT_PARAMS, '--live', '-t', lab.sqlOnlyTargets], env: lab.env, connected: true },
    { name: 'run split-brain, nothing to do (SQL)', goal: '≤ 3×', args: run(a.sqlOnly, lab.sqlOnlyTargets, 'split-brain-recovery', SPLIT_PARAMS), env: lab.env, connected: true },
    { name: 'diagnose --sample 0 (with ARM)', goal: '≤ 4×', args: [cli, 'diagnose', '-t', lab.targets, '--sample', '0'], env: lab.env, connected: true, ok: [0, 9] },
    { name: 'plan --live log-truncation (ARM)', goal: '≤ 4×', args: [cli, 'plan', 'premature-log-truncation', '-p', 'link=SalesLink', '--live', '-t', lab.targets], env: lab.env, connected: true },
    // Ends "refused" (exit 4): not premature log truncation, after its ARM read.
    { name: 'run log-truncation, not the case (ARM)', goal: '≤ 4×', args: run(a.arm, lab.targets, 'premature-log-truncation', ['-p', 'link=SalesLink']), env: lab.env, connected: true, ok: [4] },
  ];
}

async function main(): Promise<void> {
  const base: Case = { name: 'node -e 0', goal: '', args: ['-e', '0'] };
  const lab = await startLab();
  const results = new Map<Case, Sample[]>();
  const labUps: number[] = [];
  const labBase: number[] = [];
  try {
    const cases = [base, ...offline, ...connected(lab, approvals(lab))];
    for (const c of cases) once(c); // warm the file cache and the compile cache, prove each case works
    for (let i = 0; i < rounds; i++) {
      for (const c of cases) {
        const s = once(c);
        results.set(c, [...(results.get(c) ?? []), s]);
      }
      // lab up: wall time to its endpoints line, against a bare node started the same way
      if (i < Math.min(rounds, 7)) {
        labBase.push(once(base).wall);
        const up = await labUp(mkdtempSync(join(tmp, 'lab-up-')));
        labUps.push(up.ms);
        await up.stop();
      }
    }
    const rssBase = median([1, 2, 3].map(() => peakRssMiB(base) ?? NaN));
    const rssPlan = median([1, 2, 3].map(() => peakRssMiB(offline[1]!) ?? NaN));

    const cpuOf = (c: Case): number | undefined => {
      const xs = results.get(c)!.map((s) => s.cpu);
      return xs.every((x) => x !== undefined) ? trimmedMean(xs as number[]) : undefined;
    };
    const wallOf = (c: Case): number => median(results.get(c)!.map((s) => s.wall));
    const baseCpu = cpuOf(base);
    const baseWall = wallOf(base);
    console.log(`start-up as a process, ${rounds} interleaved rounds, Node ${process.versions.node}; ratio = command / \`node -e 0\` of the same run`);
    console.log(`${'command'.padEnd(42)} ${'goal'.padEnd(7)} ${'cpu ms'.padStart(8)} ${'cpu ×'.padStart(7)} ${'wall ms'.padStart(8)} ${'wall ×'.padStart(7)}`);
    const row = (name: string, goal: string, cpu: number | undefined, wall: number) => {
      const cpuText = cpu === undefined ? 'n/a' : cpu.toFixed(0);
      const cpuRatio = cpu === undefined || baseCpu === undefined ? 'n/a' : `${(cpu / baseCpu).toFixed(2)}×`;
      console.log(`${name.padEnd(42)} ${goal.padEnd(7)} ${cpuText.padStart(8)} ${cpuRatio.padStart(7)} ${wall.toFixed(0).padStart(8)} ${`${(wall / baseWall).toFixed(2)}×`.padStart(7)}`);
    };
    for (const c of cases) {
      if (c.connected) {
        // The issue's measure: the process up to its first statement; then the whole process.
        const firsts = results.get(c)!.map((s) => s.first!);
        row(`${c.name} → 1st statement`, c.goal, trimmedMean(firsts.map((f) => f.cpuMs)), median(firsts.map((f) => f.wallMs)));
        row(`  … whole process`, '', cpuOf(c), wallOf(c));
      } else {
        row(c.name, c.goal, cpuOf(c), wallOf(c));
      }
    }
    const upMs = median(labUps);
    const upBase = median(labBase);
    console.log(`${'lab up, spawn → accepting (wall)'.padEnd(42)} ${'≤ 3×'.padEnd(7)} ${''.padStart(8)} ${''.padStart(7)} ${upMs.toFixed(0).padStart(8)} ${`${(upMs / upBase).toFixed(2)}×`.padStart(7)}`);
    if (Number.isFinite(rssBase) && Number.isFinite(rssPlan)) {
      console.log(`peak RSS: plan ${rssPlan.toFixed(1)} MiB, node -e 0 ${rssBase.toFixed(1)} MiB = ${(rssPlan / rssBase).toFixed(2)}× (goal ≤ 1.5×)`);
    }
  } finally {
    await lab.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
