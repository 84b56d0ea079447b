// Bundles the CLI with esbuild: a few chunks load faster than hundreds of modules
// (see README, "Cold start"). Heavy modules (mssql, @azure/*, inquirer) stay external and are
// imported lazily by the commands that need them, so `plan`/`validate` never load them.
import { build } from 'esbuild';
import { readFileSync, readdirSync, rmSync } from 'node:fs';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

rmSync(process.env.AGMEDIC_DIST ?? 'dist', { recursive: true, force: true });
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
  outdir: process.env.AGMEDIC_DIST ?? 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Small pure-JS libraries are bundled (tree-shaken, one file to parse); drivers and the lab's
  // heavy engines stay external: they load lazily, only in the commands that use them.
  external: ['mssql', 'tedious', '@azure/*', 'inquirer', '@inquirer/*', 'alasql', 'selfsigned', 'cli-progress', 'esbuild', 'vitest'],
  banner: { js: "import { createRequire as __agmedicCreateRequire } from 'node:module'; const require = __agmedicCreateRequire(import.meta.url);" },
  // Minified: V8 parses less text at every start (cold start is a product number); the linked
  // source maps keep stack traces readable with --enable-source-maps.
  minify: !process.env.AGMEDIC_NO_MINIFY,
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  define: { __AGMEDIC_VERSION__: JSON.stringify(version) },
  logLevel: 'warning',
});
