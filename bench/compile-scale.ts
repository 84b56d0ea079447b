/**
 * Compile + safety proof (and load + compile + proof) on generated runbooks of 1k–50k steps, to
 * show the analyses scale linearly. Target: 10,000 steps load+compile+proof ≤ 1 s.
 * Run with `npm run build && node dist/bench/compile-scale.js [steps…]`.
 */
import { stringify } from 'yaml';
import { compileRunbook } from '../src/compile/index.js';
import { proveSafety } from '../src/compile/safety-proof.js';
import { loadRunbook } from '../src/runbook/load-runbook.js';
import { RunbookSchema, type Runbook } from '../src/runbook/schema.js';

/** Blocks of 10 steps: checks, a destructive action with confirm/verify/retry, a wait, a decide, an onFail jump. */
function generate(n: number): unknown {
  const steps: Record<string, unknown>[] = [];
  for (let b = 0; steps.length < n; b++) {
    const id = (k: number) => `s${b}_${k}`;
    steps.push(
      { id: id(0), title: 'roles', check: { on: ['sqlserver', 'mi'], sql: 'SELECT role_desc AS role FROM sys.dm_hadr_availability_replica_states WHERE name = @link', expect: 'rows.size() == 1' }, retry: { max: 2, delay: '1s' } },
      { id: id(1), title: 'lag', check: { on: 'mi', sql: 'SELECT 1 AS lag', expect: 'rows[0].lag < params.maxLag' }, onFail: id(8) },
      { id: id(2), title: 'pick', decide: { prompt: 'Which way?', choices: [{ label: 'demote', next: id(3), when: "params.keep == 'managedInstance'" }, { label: 'skip', next: id(6) }] } },
      {
        id: id(3), title: 'demote', impact: 'destructive',
        action: { on: 'sqlserver', sql: 'ALTER AVAILABILITY GROUP {{ident link}} SET (ROLE = SECONDARY)' },
        confirm: { evidence: [id(0)], show: { role: `facts.${id(0)}.sqlserver[0].role` }, typeToConfirm: 'link' },
        recheck: [id(0)], requires: `facts.${id(0)}.mi[0].role == 'PRIMARY'`,
        verify: { on: 'sqlserver', sql: 'SELECT role_desc AS role FROM sys.dm_hadr_availability_replica_states', expect: "rows[0].role == 'SECONDARY'" },
        retry: { max: 3, delay: '5s' },
      },
      { id: id(4), title: 'settle', wait: { on: 'mi', sql: 'SELECT 1 AS s', until: "rows.all(r, r.s == 'SYNCHRONIZED')", interval: '10s', timeout: '5m' }, onFail: id(8) },
      { id: id(5), title: 'resume', impact: 'change', action: { on: 'mi', sql: 'ALTER DATABASE CURRENT SET HADR RESUME' }, verify: { on: 'mi', sql: 'SELECT 1 AS x', expect: 'rows.size() == 1' } },
      { id: id(6), title: 'after', when: `has(facts.${id(4)}) || params.maxLag > 3`, check: { on: 'sqlserver', sql: 'SELECT 1 AS x' } },
      { id: id(7), title: 'unused end', when: 'false', end: { outcome: 'nothing-to-do', message: 'n/a' } },
      { id: id(8), title: 'manual', check: { on: 'sqlserver', sql: 'SELECT 1 AS x' } },
      { id: id(9), title: 'rejoin', check: { on: 'mi', sql: 'SELECT 1 AS x' } },
    );
  }
  return {
    apiVersion: 'agmedic/v1', kind: 'Runbook',
    metadata: { name: 'bench', title: 'generated' },
    parameters: {
      link: { type: 'identifier', description: 'link' },
      keep: { type: 'enum', values: ['sqlserver', 'managedInstance'], description: 'side' },
      maxLag: { type: 'int', description: 'lag', default: 10 },
    },
    targets: ['sqlserver', 'mi'],
    steps: steps.slice(0, n).map((s) => Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined))),
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

const rows: string[][] = [['steps', 'compile+proof ms', 'ms/1k', 'proof only ms', 'load+compile+proof ms', 'ms/1k']];
const sizes = process.argv.slice(2).map(Number).filter((x) => x > 0);
for (const n of sizes.length ? sizes : [1_000, 10_000]) {
  const data = generate(n);
  const runbook: Runbook = RunbookSchema.parse(data);
  const text = stringify(data);
  const compileRuns: number[] = [];
  const proofRuns: number[] = [];
  const fullRuns: number[] = [];
  for (let k = 0; k < 5; k++) {
    let graph;
    compileRuns.push(time(() => {
      const c = compileRunbook(runbook);
      if (c.diagnostics.length) throw new Error(`bench runbook has problems: ${c.diagnostics[0]!.code} ${c.diagnostics[0]!.message}`);
      graph = c.graph;
    }));
    proofRuns.push(time(() => proveSafety(graph!)));
    fullRuns.push(time(() => {
      const loaded = loadRunbook({ name: 'bench.yaml', text });
      if (!loaded.runbook) throw new Error(`bench runbook does not load: ${loaded.diagnostics[0]?.message}`);
      compileRunbook(loaded.runbook, { locate: (p) => loaded.positions.rangeOf(p) });
    }));
  }
  const c = median(compileRuns);
  const f = median(fullRuns);
  rows.push([String(n), c.toFixed(0), ((c / n) * 1000).toFixed(1), median(proofRuns).toFixed(0), f.toFixed(0), ((f / n) * 1000).toFixed(1)]);
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows) console.log(r.map((cell, i) => cell.padStart(widths[i]!)).join('  '));
