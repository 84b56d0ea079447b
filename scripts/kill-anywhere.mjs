// The long kill-anywhere campaign (issue 14): bundles bench/kill-anywhere/{main,child}.ts with
// esbuild (packages stay external, resolved from this repository) and runs it.
//   node scripts/kill-anywhere.mjs --trials 100 [--seed 42] [--parallel 2] [--speed 100] [--arm-delay 3000]
// The short version runs in `npm test` (test/integration/kill-anywhere.test.ts).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const cache = join('node_modules', '.cache');
mkdirSync(cache, { recursive: true });
const outdir = mkdtempSync(join(cache, 'agmedic-kill-anywhere-'));
try {
  await build({
    entryPoints: { main: 'bench/kill-anywhere/main.ts', child: 'bench/kill-anywhere/child.ts' },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    define: { __AGMEDIC_VERSION__: '"kill-anywhere"' },
    logLevel: 'warning',
  });
  const r = spawnSync(process.execPath, [join(outdir, 'main.js'), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, AGMEDIC_KA_CHILD: join(outdir, 'child.js') },
  });
  process.exitCode = r.status ?? 1;
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
