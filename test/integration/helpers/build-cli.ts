import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..', '..');

/**
 * Bundles the CLI like scripts/build.mjs but into a private folder inside the package (so the
 * lab finds its scenarios and node_modules resolve), never touching dist/ that other test files
 * and benchmarks rebuild concurrently. Returns the path of cli.js.
 */
export async function buildCliBundle(): Promise<string> {
  const cache = join(root, 'node_modules', '.cache');
  // A fresh `npm ci` has no .cache folder yet.
  mkdirSync(cache, { recursive: true });
  const outdir = mkdtempSync(join(cache, 'agmedic-cli-'));
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  await build({
    entryPoints: { cli: join(root, 'src/cli/main.ts') },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    chunkNames: 'chunks/[name]-[hash]',
    define: { __AGMEDIC_VERSION__: JSON.stringify(version) },
    logLevel: 'silent',
  });
  return join(outdir, 'cli.js');
}
