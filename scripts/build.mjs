// Bundles the CLI with esbuild: one file per entry point loads faster than hundreds of modules
// (see README, "Cold start"). Heavy modules (mssql, @azure/*, inquirer) stay external and are
// imported lazily by the commands that need them, so `plan`/`validate` never load them.
import { build } from 'esbuild';
import { readFileSync, readdirSync, rmSync } from 'node:fs';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: {
    cli: 'src/cli/main.ts',
    // Benchmarks run the same bundled code the CLI ships, never the TypeScript sources.
    ...Object.fromEntries(
      readdirSync('bench')
        .filter((f) => f.endsWith('.ts'))
        .map((f) => [`bench/${f.slice(0, -3)}`, `bench/${f}`]),
    ),
  },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  define: { __AGMEDIC_VERSION__: JSON.stringify(version) },
  logLevel: 'warning',
});
