// Bundles the CLI with esbuild: a few chunks load faster than hundreds of modules
// (see README, "Performance"). Every command's module is a chunk of its own, imported only when
// that command runs (src/cli/program.ts), so `plan`/`validate` never load a driver.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
const outdir = process.env.AGMEDIC_DIST ?? 'dist';

// tedious requires @azure/identity at load time for Entra authentication only; inside the
// bundled driver it is replaced by a proxy that loads the real module on first use.
const lazyIdentityInTedious = {
  name: 'lazy-identity-in-tedious',
  setup(b) {
    const shim = fileURLToPath(new URL('./shims/lazy-azure-identity.cjs', import.meta.url));
    b.onResolve({ filter: /^@azure\/identity$/ }, (args) =>
      /[\\/]node_modules[\\/]tedious[\\/]/.test(args.importer) ? { path: shim } : undefined,
    );
  },
};

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: {
    cli: 'src/cli/main.ts',
    'tools/write-known-good': 'scripts/write-known-good.ts',
    // Benchmarks run the same bundled code the CLI ships, never the TypeScript sources.
    ...Object.fromEntries(
      readdirSync('bench')
        .filter((f) => f.endsWith('.ts'))
        .map((f) => [`bench/${f.slice(0, -3)}`, `bench/${f}`]),
    ),
  },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Bundled (one pre-linked file instead of hundreds of modules, ~1.7–2× faster to load): the
  // small pure-JS libraries, the mssql driver (tedious), and the ARM client with its pipeline
  // (`plan --live` with ARM steps: ~1,040 → ~550 ms CPU). Each sits in a chunk that only the
  // commands using it import. External: the Entra SDK (@azure/identity and MSAL: only for an Entra
  // sign-in), inquirer (only at a terminal), the lab's engines (only in the lab).
  external: ['@azure/identity', '@azure/msal-*', '@azure/keyvault-*', 'inquirer', '@inquirer/*', 'alasql', 'selfsigned', 'cli-progress', 'esbuild', 'vitest'],
  plugins: [lazyIdentityInTedious],
  banner: { js: "import { createRequire as __agmedicCreateRequire } from 'node:module'; const require = __agmedicCreateRequire(import.meta.url);" },
  // Minified: V8 parses less text at every start (cold start is a product number); the linked
  // source maps keep stack traces readable with --enable-source-maps.
  minify: !process.env.AGMEDIC_NO_MINIFY,
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  define: { __AGMEDIC_VERSION__: JSON.stringify(version), __AGMEDIC_KNOWN_GOOD__: JSON.stringify('known-good') },
  logLevel: 'warning',
  metafile: true,
});

// The shipped runbooks as checked by this very bundle: plan/graph/validate of an unchanged shipped
// runbook read the entry instead of loading the parsers, zod and the compiler (src/cli/known-good.ts).
const written = spawnSync(process.execPath, [join(outdir, 'tools', 'write-known-good.js'), 'runbooks', join(outdir, 'known-good')], { stdio: ['ignore', 'ignore', 'inherit'] });
if (written.status !== 0) throw new Error('writing the known-good entries failed');

// Which npm packages each output file bundles: test/cli/lazy-loading.test.ts maps the chunks a
// command loads back to packages (a bundled driver has no node_modules path left to trace).
const contents = {};
for (const [file, output] of Object.entries(result.metafile.outputs)) {
  if (file.endsWith('.map')) continue;
  const packages = new Set();
  for (const input of Object.keys(output.inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) packages.add(m[1]);
  }
  contents[relative(resolve(outdir), resolve(file)).replaceAll('\\', '/')] = [...packages].sort();
}
writeFileSync(join(outdir, 'bundle-contents.json'), JSON.stringify(contents, null, 1));
