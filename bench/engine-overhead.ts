/**
 * Engine overhead per step (issue #4, target: ≤ 1 ms median). A runbook of 500 check steps runs
 * against the lab through the whole runtime (xstate, CEL, audit log, journal snapshot per step);
 * the same 500 statements are then sent by a bare `mssql` loop on one connection, in the same
 * process. Overhead = median step time − median bare statement time. No fsync: checks are not
 * destructive.
 *
 * Run: npm run build && node dist/bench/engine-overhead.js [steps]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import sql from 'mssql';
import { fileJournalStore } from '../src/adapters/file-journal.js';
import { openSqlTarget } from '../src/adapters/mssql-target.js';
import { systemTimers } from '../src/adapters/system-timers.js';
import { openAuditLog } from '../src/audit/open-audit-log.js';
import { buildPlan, compileRunbook } from '../src/compile/index.js';
import { startLab } from '../src/lab/index.js';
import { Secret } from '../src/ports/secret.js';
import type { Runbook } from '../src/runbook/schema.js';
import { executeRun, refusingPrompter } from '../src/runtime/index.js';

const STEPS = Number(process.argv[2] ?? 500);
const TEXT = 'SELECT @@SERVERNAME AS name';
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const dir = mkdtempSync(join(tmpdir(), 'agmedic-bench-engine-'));
const lab = await startLab({ scenario: 'healthy' });
try {
  const runbook: Runbook = {
    apiVersion: 'agmedic/v1',
    kind: 'Runbook',
    metadata: { name: 'bench', title: 'bench', references: [], notes: [] },
    parameters: {},
    targets: ['sqlserver'],
    steps: Array.from({ length: STEPS }, (_, i) => ({ id: `s${i}`, title: `check ${i}`, check: { on: 'sqlserver', sql: TEXT, expect: 'rows.size() == 1' } })),
  };
  const compiled = compileRunbook(runbook);
  if (compiled.diagnostics.length) throw new Error(JSON.stringify(compiled.diagnostics[0]));
  const plan = buildPlan(runbook, compiled, {}, { sha256: 'bench' });
  const config = {
    role: 'sqlserver', server: lab.host, port: lab.sqlserver.port, database: 'master', encrypt: false, trustServerCertificate: true,
    connectTimeoutMs: 5000, requestTimeoutMs: 30000, auth: { type: 'sql' as const, user: 'sa', passwordEnv: 'UNUSED' },
  };
  const bare = async (): Promise<number[]> => {
    const pool = await new sql.ConnectionPool({ server: lab.host, port: lab.sqlserver.port, user: 'sa', password: lab.password, database: 'master', options: { encrypt: false }, pool: { max: 1 } }).connect();
    const times: number[] = [];
    for (let i = 0; i < STEPS; i++) {
      const t0 = performance.now();
      await pool.request().query(TEXT);
      times.push(performance.now() - t0);
    }
    await pool.close();
    return times;
  };
  const engine = async (n: number): Promise<number[]> => {
    const target = await openSqlTarget('sqlserver', config, new Secret(lab.password), { poolMax: 1 });
    const audit = await openAuditLog({ path: join(dir, `audit-${n}.jsonl`) });
    const journal = await fileJournalStore(dir).create({
      runId: `bench-${n}`, runbook: { name: 'bench', sha256: 'bench', ref: 'bench', fileSha256: 'bench' }, parameters: {}, rawParameters: {},
      auditFile: join(dir, 'audit.jsonl'), mode: 'guided', operator: 'bench', host: 'bench', startedAt: new Date().toISOString(),
    });
    const marks: number[] = [];
    const result = await executeRun({
      runId: `bench-${n}`, runbook, compiled, plan, values: {}, targets: { sql: { sqlserver: target }, azure: {} },
      prompter: refusingPrompter('bench'), audit, journal, clock: { now: () => new Date() }, timers: systemTimers,
      signal: new AbortController().signal, mode: 'guided', operator: 'bench', host: 'bench',
      onNotice: (x) => {
        if (x.type === 'step') marks.push(performance.now());
      },
    });
    marks.push(performance.now());
    if (result.outcome !== 'fixed') throw new Error(`engine run ended ${result.outcome}: ${result.message}`);
    await Promise.all([target.close(), audit.close(), journal.close()]);
    return marks.slice(1).map((t, i) => t - marks[i]!);
  };

  await bare(); // warm-up: JIT, TDS connection paths
  const b1 = await bare();
  const e1 = await engine(1);
  const b2 = await bare();
  const e2 = await engine(2);
  const bareMed = median([...b1, ...b2]);
  const engMed = median([...e1, ...e2]);
  const overhead = engMed - bareMed;
  console.log(`steps per run            ${STEPS}`);
  console.log(`bare mssql, median       ${bareMed.toFixed(3)} ms/statement`);
  console.log(`engine, median           ${engMed.toFixed(3)} ms/step (xstate + CEL + audit append + journal snapshot)`);
  console.log(`overhead, median         ${overhead.toFixed(3)} ms/step  (target ≤ 1 ms: ${overhead <= 1 ? 'met' : 'NOT met'})`);
} finally {
  await lab.close();
  if (!process.env.AGMEDIC_BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
}
