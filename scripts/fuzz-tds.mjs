// A longer fuzz run of the lab's TDS front end than CI's fixed seed (test/lab/tds/fuzz.test.ts):
//   node scripts/fuzz-tds.mjs [runs=5000] [seed=random]
// A failure prints fast-check's counterexample and the seed/path to replay it.
import { spawnSync } from 'node:child_process';

const runs = process.argv[2] ?? '5000';
const seed = process.argv[3] ?? String(Math.floor(Math.random() * 2 ** 31));
console.log(`fuzz-tds: ${runs} runs, seed ${seed}`);
const r = spawnSync('npx', ['vitest', 'run', 'test/lab/tds/fuzz.test.ts'], {
  stdio: 'inherit',
  env: { ...process.env, FUZZ_TDS_RUNS: runs, FUZZ_TDS_SEED: seed },
});
process.exitCode = r.status ?? 1;
