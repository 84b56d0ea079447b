// `npm run bench`: every bundled benchmark in dist/bench, one after another (never in parallel:
// they would measure each other).
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const only = process.argv[2];
const files = readdirSync('dist/bench').filter((f) => f.endsWith('.js') && (!only || f.includes(only)));
let failed = 0;
for (const f of files.sort()) {
  console.log(`\n== ${f.replace(/\.js$/, '')}`);
  const r = spawnSync(process.execPath, [`dist/bench/${f}`], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
