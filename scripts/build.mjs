// Bundles the CLI with esbuild: one file per entry point loads faster than hundreds of modules
// (see README, "Cold start"). Heavy modules (mssql, @azure/*, inquirer) stay external and are
// imported lazily by the commands that need them, so `plan`/`validate` never load them.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: { cli: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});
