/**
 * Cold start of the built CLI: `agmedic plan split-brain-recovery …` against `node -e 0`, measured
 * in the same run so the ratio holds on any machine. Target (issue 2): median ≤ 150 ms and ≤ 3× node.
 *
 * Run: npm run build && node dist/bench/cold-start.js [runs]
 */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const runs = Number(process.argv[2] ?? 21);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function time(args: string[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    if (i >= 2) out.push(ms); // the first two warm the OS file cache
  }
  return out;
}

const cases: Array<[string, string[]]> = [
  ['node -e 0', ['-e', '0']],
  ['agmedic --version', ['bin/agmedic.js', '--version']],
  [
    'agmedic plan split-brain-recovery',
    ['bin/agmedic.js', 'plan', 'split-brain-recovery', '-p', 'link=SalesLink', '-p', 'keep=managedInstance'],
  ],
  ['agmedic validate runbooks/*.yaml', ['bin/agmedic.js', 'validate', 'runbooks']],
];

const results = cases.map(([name, args]) => ({ name, median: median(time(args)) }));
const base = results[0]!.median;
console.log(`cold start, median of ${runs} runs (ms)`);
for (const r of results) {
  console.log(`${r.name.padEnd(40)} ${r.median.toFixed(1).padStart(8)}  ${(r.median / base).toFixed(2)}× node`);
}
