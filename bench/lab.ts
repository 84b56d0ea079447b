/**
 * The lab's numbers (issue 3): start to accepting connections (in-process and `agmedic lab up` as a
 * fresh process), `SELECT 1` round trips through `mssql` on one connection (target ≥ 3,000/s), the
 * multi-join role query (≥ 1,000/s), and a 100-pair fleet's start.
 *
 * Run: npm run bench -- lab   (or: npm run build && node dist/bench/lab.js [seconds-per-loop])
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import sql from 'mssql';
import { startLab, type Lab } from '../src/lab/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const loopSeconds = Number(process.argv[2] ?? 3);
const WARM_UP_MS = 2_000;

const ROLE_QUERY = `SELECT ag.name AS ag_name, ar.replica_server_name AS replica, rs.role_desc AS role
FROM sys.availability_groups ag
JOIN sys.availability_replicas ar ON ar.group_id = ag.group_id
JOIN sys.dm_hadr_availability_replica_states rs ON rs.replica_id = ar.replica_id AND rs.group_id = ag.group_id
WHERE ag.is_distributed = 1 AND rs.is_local = 1`;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const fmt = (n: number): string => n.toFixed(0).padStart(7);

function connectOnce(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve();
    });
    s.once('error', reject);
  });
}

/** In-process: the call to startLab until SQL Server, the MI and ARM all accept a TCP connection. */
async function inProcessStart(runs: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const lab = await startLab();
    await Promise.all([connectOnce(lab.sqlserver.port), connectOnce(lab.mi.port), connectOnce(lab.arm.port)]);
    out.push(performance.now() - t0);
    await lab.close();
  }
  return out;
}

/** A fresh `agmedic lab up` process until it printed its endpoints and SQL Server accepts. */
function cliStart(): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [join(root, 'bin/agmedic.js'), 'lab', 'up', '--base-port', '0', '--json', '--state-file', join(root, 'node_modules', '.cache', `bench-lab-${process.pid}.json`)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (!out.includes('\n') || line === undefined) return;
      const info = JSON.parse(line) as { pairs: { sqlserver: { port: number } }[] };
      void connectOnce(info.pairs[0]!.sqlserver.port).then(() => {
        const ms = performance.now() - t0;
        // A lab that does not stop on SIGTERM is a bug worth seeing, not a hung benchmark.
        const stuck = setTimeout(() => {
          console.log(`  ! lab up did not exit within 10 s of SIGTERM; killed`);
          child.kill('SIGKILL');
        }, 10_000);
        child.once('exit', () => {
          clearTimeout(stuck);
          resolve(ms);
        });
        child.kill('SIGTERM');
      }, reject);
      out = '\0';
    });
    child.once('error', reject);
  });
}

/**
 * Round trips per second of wall time, and CPU time per round trip (client and lab share this
 * process): on a shared machine the wall rate says what we got, the CPU cost what one core can do.
 */
async function loop(pool: sql.ConnectionPool, text: string): Promise<{ perSecond: number; n: number; cpuUs: number }> {
  // Warm the plan cache and the JIT by time, not by count: client (tedious) and lab code reach
  // their steady cost only after ~1-2 s of round trips (CPU per round trip falls from ~1.8 ms to
  // ~0.35 ms), so 200 round trips left most of the warm-up inside the first loop measured.
  const warmUntil = performance.now() + WARM_UP_MS;
  while (performance.now() < warmUntil) for (let i = 0; i < 100; i++) await pool.request().query(text);
  const until = performance.now() + loopSeconds * 1000;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let n = 0;
  while (performance.now() < until) {
    for (let i = 0; i < 100; i++) await pool.request().query(text);
    n += 100;
  }
  const cpu = process.cpuUsage(cpu0);
  return { perSecond: (n / (performance.now() - t0)) * 1000, n, cpuUs: (cpu.user + cpu.system) / n };
}

const rate = (r: { perSecond: number; n: number; cpuUs: number }, target: number): string =>
  `${fmt(r.perSecond)}/s wall  (${r.n} in ${loopSeconds}s; ${r.cpuUs.toFixed(0)} µs CPU each for client + lab = ${fmt(1e6 / r.cpuUs)}/s per core; target ≥ ${target}/s)`;

async function throughput(lab: Lab): Promise<void> {
  const pool = await new sql.ConnectionPool({
    server: lab.host,
    port: lab.sqlserver.port,
    user: lab.login,
    password: lab.password,
    database: 'master',
    options: { encrypt: false, trustServerCertificate: false },
    // Socket-level validation: mssql's default sends a validation query before every request.
    validateConnection: 'socket',
    pool: { max: 1, min: 1 },
  } as sql.config).connect();
  try {
    const one = await loop(pool, 'SELECT 1');
    console.log(`SELECT 1 round trips, one mssql connection  ${rate(one, 3000)}`);
    const roles = await loop(pool, ROLE_QUERY);
    console.log(`multi-join role query, one connection        ${rate(roles, 1000)}`);
  } finally {
    await pool.close();
  }
}

const starts = await inProcessStart(7);
console.log(`start to accepting (in-process, 1 pair)     median ${starts.length ? median(starts.slice(1)).toFixed(0) : '?'} ms, first ${starts[0]!.toFixed(0)} ms, max ${Math.max(...starts).toFixed(0)} ms (target ≤ 1000 ms)`);
const cli: number[] = [];
for (let i = 0; i < 3; i++) cli.push(await cliStart());
console.log(`start to accepting (\`agmedic lab up\` process) median ${median(cli).toFixed(0)} ms of ${cli.map((x) => x.toFixed(0)).join(', ')} (includes node start)`);

const fleetT0 = performance.now();
const fleet = await startLab({ pairs: 100 });
const fleetMs = performance.now() - fleetT0;
await fleet.close();
console.log(`start to accepting, 100 pairs (300 listeners) ${fleetMs.toFixed(0)} ms; rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);

const lab = await startLab();
try {
  await throughput(lab);
} finally {
  await lab.close();
}
