// Bundles the CLI with esbuild: a few chunks load faster than hundreds of modules
// (see README, "Performance"). Every command's module is a chunk of its own, imported only when
// that command runs (src/cli/program.ts), so `plan`/`validate` never load a driver.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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

// What the bundle was built from (sources, locked dependencies, version): keys the caches of
// checked input (src/cli/read-targets-cached.ts), so another build never reads this one's.
const buildId = (() => {
  const h = createHash('sha256').update(version);
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else h.update(`\0${p}\0`).update(readFileSync(p));
    }
  };
  walk('src');
  h.update(readFileSync('package-lock.json'));
  return h.digest('hex').slice(0, 16);
})();
const defines = {
  __AGMEDIC_VERSION__: JSON.stringify(version),
  __AGMEDIC_KNOWN_GOOD__: JSON.stringify('known-good'),
  __AGMEDIC_BUILD_ID__: JSON.stringify(buildId),
};

// The heavy libraries, each group one CommonJS file that src/cli/boot/vendor-loader.ts runs
// through V8's code cache (ESM has no code cache API on Node 20; CommonJS through node:vm has).
// A group shares one copy of what its packages share (the ARM client and its pipeline).
const VENDOR = {
  mssql: ['mssql'],
  azure: ['@azure/arm-sql', '@azure/core-rest-pipeline'],
  zod: ['zod'],
  yaml: ['yaml'],
  'js-yaml': ['js-yaml'],
  cel: ['@marcbachmann/cel-js', 're2js'],
  xstate: ['xstate'],
  'cli-progress': ['cli-progress'],
  // The lab's engines: the SQL engine behind its SELECTs, the generator of its TLS certificates.
  alasql: ['alasql'],
  selfsigned: ['selfsigned'],
};
/**
 * Loaded on first use, not when the importing module loads: the facade's default export is a
 * proxy (only a default export, and only property reads, calls and `new` on it). alasql: `lab up`
 * accepts connections before the SQL engine behind SELECTs has loaded; logins never need it.
 */
const LAZY_VENDOR = new Set(['alasql']);
const vendorDir = join(outdir, 'vendor');
mkdirSync(vendorDir, { recursive: true });
/** package → { file, index, names }: what each facade module loads and re-exports. */
const vendored = new Map();
const vendorMeta = {};
const requireHere = createRequire(import.meta.url);
for (const [group, packages] of Object.entries(VENDOR)) {
  const stdin = packages.map((p, i) => `import * as p${i} from ${JSON.stringify(p)};`).join('\n') + `\nexport { ${packages.map((_, i) => `p${i}`).join(', ')} };\n`;
  const built = await build({
    stdin: { contents: stdin, resolveDir: process.cwd(), sourcefile: `vendor-${group}.js` },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minify: !process.env.AGMEDIC_NO_MINIFY,
    // alasql names React Native modules on paths Node never takes.
    external: ['@azure/identity', '@azure/msal-*', '@azure/keyvault-*', 'react-native-*'],
    plugins: [lazyIdentityInTedious],
    write: false,
    metafile: true,
    logLevel: 'warning',
  });
  const code = built.outputFiles[0].contents;
  // The content hash in the name keys the code cache: a rebuilt bundle never meets an old cache.
  const file = `${group}-${createHash('sha256').update(code).digest('hex').slice(0, 12)}.cjs`;
  writeFileSync(join(vendorDir, file), code);
  const exportsOf = requireHere(resolve(vendorDir, file));
  packages.forEach((p, i) => vendored.set(p, { file, index: i, names: Object.keys(exportsOf[`p${i}`]).filter((n) => n !== 'default' && n !== '__esModule') }));
  vendorMeta[`vendor/${file}`] = Object.keys(built.metafile.inputs);
}

// Every import of a vendored package becomes this small module: it loads the group's file once
// and re-exports the package's names (read off the built file above).
const loaderPath = fileURLToPath(new URL('../src/cli/boot/vendor-loader.ts', import.meta.url));
const vendorFacades = {
  name: 'vendor-facades',
  setup(b) {
    const filter = new RegExp(`^(${[...vendored.keys()].map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`);
    b.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'vendor' }));
    b.onLoad({ filter: /.*/, namespace: 'vendor' }, (args) => {
      const { file, index, names } = vendored.get(args.path);
      const load = `loadVendor(${JSON.stringify(file)}).p${index}.default`;
      if (LAZY_VENDOR.has(args.path)) {
        // A named import of a lazy package fails the build (no such export): only the default is lazy.
        const lazy = [
          `import { loadVendor } from ${JSON.stringify(loaderPath)};`,
          'let loaded;',
          `const real = () => (loaded ??= ${load});`,
          'export default new Proxy(function () {}, {',
          '  get: (_, key) => Reflect.get(real(), key),',
          '  set: (_, key, value) => Reflect.set(real(), key, value),',
          '  has: (_, key) => Reflect.has(real(), key),',
          '  apply: (_, self, args) => Reflect.apply(real(), self, args),',
          '  construct: (_, args) => Reflect.construct(real(), args),',
          '});',
        ];
        return { contents: lazy.join('\n'), resolveDir: process.cwd(), loader: 'js' };
      }
      const lines = [`import { loadVendor } from ${JSON.stringify(loaderPath)};`, `const ns = loadVendor(${JSON.stringify(file)}).p${index};`, 'export default ns.default;'];
      names.forEach((n, i) => lines.push(`const e${i} = ns[${JSON.stringify(n)}];`, `export { e${i} as ${JSON.stringify(n)} };`));
      return { contents: lines.join('\n'), resolveDir: process.cwd(), loader: 'js' };
    });
  },
};

const result = await build({
  entryPoints: {
    cli: 'src/cli/main.ts',
    // bin/agmedic.js loads the connected commands' bundle through this loader.
    'boot/vendor-loader': 'src/cli/boot/vendor-loader.ts',
    // and starts `lab up`'s thread through this one before loading anything else.
    'boot/lab-supervisor': 'src/cli/boot/lab-supervisor.ts',
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
  // small pure-JS libraries; the heavy ones (VENDOR above: the mssql driver, the ARM client with
  // its pipeline, zod, the YAML parsers, CEL, xstate) as vendor files behind facades, each loaded
  // only by the commands that import it. External: the Entra SDK (@azure/identity and MSAL: only
  // for an Entra sign-in), inquirer (only at a terminal), the lab's engines (only in the lab).
  external: ['@azure/identity', '@azure/msal-*', '@azure/keyvault-*', 'inquirer', '@inquirer/*', 'esbuild', 'vitest'],
  plugins: [vendorFacades, lazyIdentityInTedious],
  banner: { js: "import { createRequire as __agmedicCreateRequire } from 'node:module'; const require = __agmedicCreateRequire(import.meta.url);" },
  // Minified: V8 parses less text at every start (cold start is a product number); the linked
  // source maps keep stack traces readable with --enable-source-maps.
  minify: !process.env.AGMEDIC_NO_MINIFY,
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  define: defines,
  logLevel: 'warning',
  metafile: true,
});

// The connected commands (run, resume, diagnose, plan --live: bin/agmedic.js picks) start from
// one CommonJS file run through the code cache like the libraries: as ES modules they were ~40
// chunks for Node to resolve, link and compile at every start (~55 ms of `run`), and Node 20 has
// no code cache for ES modules. The libraries stay in their vendor files, shared with the chunks.
const connected = await build({
  entryPoints: ['src/cli/boot/start.ts'],
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: !process.env.AGMEDIC_NO_MINIFY,
  external: ['@azure/identity', '@azure/msal-*', '@azure/keyvault-*', 'inquirer', '@inquirer/*', 'esbuild', 'vitest'],
  plugins: [vendorFacades, lazyIdentityInTedious],
  // CommonJS has no import.meta: the few uses (finding the package's folders) get the file's URL.
  banner: { js: 'var __agmedicImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  define: { ...defines, 'import.meta.url': '__agmedicImportMetaUrl' },
  write: false,
  metafile: true,
  logLevel: 'warning',
});
const connectedCode = connected.outputFiles[0].contents;
const connectedFile = `cli-connected-${createHash('sha256').update(connectedCode).digest('hex').slice(0, 12)}.cjs`;
writeFileSync(join(outdir, connectedFile), connectedCode);
writeFileSync(join(outdir, 'boot.json'), `${JSON.stringify({ connected: connectedFile })}\n`);
vendorMeta[connectedFile] = Object.keys(connected.metafile.inputs);

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
for (const [file, inputs] of Object.entries(vendorMeta)) {
  contents[file] = [...new Set(inputs.map((i) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(i)?.[1]).filter(Boolean))].sort();
}
writeFileSync(join(outdir, 'bundle-contents.json'), JSON.stringify(contents, null, 1));
