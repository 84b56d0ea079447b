/**
 * Loads the bundled libraries (dist/vendor/<group>-<hash>.cjs, written by scripts/build.mjs) and
 * the CLI's own CommonJS bundle (dist/cli-connected-<hash>.cjs, which bin/agmedic.js starts for
 * run, resume, diagnose, plan and the lab) through V8's code cache, so a command does not parse
 * and compile the SQL driver, the ARM client, zod, the YAML parsers, CEL, xstate and agmedic
 * itself again at every start (issue 13).
 *
 * Why not Node's own compile cache: Node 20 has none (module.enableCompileCache arrived in 22.1),
 * and Node's cache is taken right after compiling, before the module runs: it misses every
 * function V8 compiles lazily when it is first called (most of a driver). Here the cache is taken
 * as the process exits, after the command connected and queried, so the next start finds the
 * driver's connection path already compiled. Measured on mssql alone: require 102 ms over bare
 * node; from a cache taken before running 53 ms, after running 40 ms.
 *
 * Why not v8-compile-cache (the library that does this for CommonJS): it hooks every require in
 * the process and also caches only at compile time; we need a cache for a dozen known files.
 *
 * Safety: V8 checks a cache against its own version, its flags and the source's length, not the
 * source's content, so the cache is keyed by the bundle's file name, which carries a hash of its
 * content (a rebuilt bundle never meets an old cache). Cached code runs as the user, so the
 * folder must be the user's own and writable by nobody else (a planted cache is code: see
 * cache-dir.ts). A cache that cannot be read or written costs speed, never correctness: the
 * library is then compiled from source as without a cache.
 *
 * Files: <cache folder>/v8-<node version>-<arch>/<bundle>.<command>.v8. AGMEDIC_NO_CACHE=1 (or
 * Node's own NODE_DISABLE_COMPILE_CACHE=1) turns it off.
 */
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants as vmConstants, Script } from 'node:vm';
import { privateCacheDir, readCacheEntry, writeCacheEntry } from './cache-dir.js';

/** What one load did with the cache (read by the tests). */
export interface VendorLoad {
  file: string;
  cache: 'off' | 'miss' | 'hit' | 'rejected';
}

/** Every bundle loaded in this process, in order (read by test/fixtures/trace-imports.mjs). */
const LOADS_KEY = Symbol.for('agmedic.vendor-loads');
type LoadRegistry = VendorLoad[];
const loads: LoadRegistry = ((globalThis as Record<symbol, unknown>)[LOADS_KEY] as LoadRegistry | undefined) ?? [];
(globalThis as Record<symbol, unknown>)[LOADS_KEY] = loads;

/**
 * Each bundle's exports, once per process: the ESM chunks and the connected commands' CommonJS
 * bundle each carry a copy of this loader, and a library must still be one instance (zod's
 * classes, xstate's actors), so the map lives on globalThis.
 */
const MODULES_KEY = Symbol.for('agmedic.vendor-modules');
const modules: Map<string, unknown> = ((globalThis as Record<symbol, unknown>)[MODULES_KEY] as Map<string, unknown> | undefined) ?? new Map();
(globalThis as Record<symbol, unknown>)[MODULES_KEY] = modules;
const pendingWrites: Array<() => void> = [];
/** The user's code cache folder, checked once per process (a bundle loads several libraries). */
let userCacheDir: { dir: string | undefined } | undefined;

/** dist/ when this code runs from the bundle: it may sit in dist/ itself, dist/chunks/ or dist/boot/. */
export function distDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return basename(here) === 'chunks' || basename(here) === 'boot' ? dirname(here) : here;
}

/**
 * Which command this process runs, as part of the cache's name: V8 keeps in a cache only what
 * the run that wrote it had compiled, and `run` compiles other parts of the driver than
 * `diagnose`, so each command keeps its own cache (`plan --live` apart from `plan`).
 */
export function cacheProfile(argv: readonly string[] = process.argv.slice(2)): string {
  const command = argv.find((a) => !a.startsWith('-')) ?? 'none';
  const name = /^[a-z][a-z-]{0,30}$/.test(command) ? command : 'other';
  return name === 'plan' && argv.includes('--live') ? 'plan-live' : name;
}

/** This Node's code caches (V8 rejects another version's anyway; keeping them apart avoids churn). */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.NODE_DISABLE_COMPILE_CACHE === '1') return undefined;
  return privateCacheDir(`v8-${process.version}-${process.arch}`, env);
}

/**
 * Runs a CommonJS bundle once per process and returns its exports, compiling it from the code
 * cache when one matches.
 *
 * @example
 * const { p0: mssql } = loadVendor('mssql-3f2a9c1b.cjs') as { p0: typeof import('mssql') };
 * // cacheFolder: a folder to use instead of the user's, or null for no cache
 */
export function loadVendor(fileName: string, dir: string = join(distDir(), 'vendor'), cacheFolder?: string | null): unknown {
  const file = join(dir, fileName);
  const known = modules.get(file);
  if (known !== undefined) return known;

  // Only now: finding the folder touches the file system, and a loaded bundle needs none of it.
  const cacheDir = cacheFolder === null ? undefined : (cacheFolder ?? (userCacheDir ??= { dir: codeCacheDir() }).dir);
  const source = readFileSync(file, 'utf8');
  const cacheFile = cacheDir === undefined ? undefined : join(cacheDir, `${fileName}.${cacheProfile()}.v8`);
  // None on the first run of this bundle and command on this Node: compiled from source.
  const cachedData = cacheFile === undefined ? undefined : readCacheEntry(cacheFile);
  const script = new Script(Module.wrap(source), {
    filename: file,
    cachedData,
    // A bundle may still import() a package it leaves out (e.g. the Entra SDK): the main loader serves it.
    importModuleDynamically: vmConstants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const state: VendorLoad['cache'] = cacheFile === undefined ? 'off' : cachedData === undefined ? 'miss' : script.cachedDataRejected ? 'rejected' : 'hit';
  loads.push({ file, cache: state });
  if (cacheFile !== undefined && state !== 'hit') scheduleWrite(script, cacheFile);

  const module = { exports: {} as unknown };
  const run = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;
  run.call(module.exports, module.exports, createRequire(file), module, file, dir);
  modules.set(file, module.exports);
  return module.exports;
}

/**
 * The cache is taken as the process exits: by then the command's own path is compiled too. Not
 * after a refusal of the input (exit 1 invalid input, 2 usage, 3 not found): that run stopped
 * before the work the cache is for, and a cache is never rewritten once it is there.
 */
function scheduleWrite(script: Script, cacheFile: string): void {
  if (pendingWrites.length === 0) process.once('exit', (code) => (code === 1 || code === 2 || code === 3 ? pendingWrites.splice(0) : flushCodeCache()));
  pendingWrites.push(() => {
    writeCacheEntry(cacheFile, script.createCachedData());
    pruneOlderBuilds(cacheFile);
  });
}

/** Writes the pending caches now (also called by the tests); each write is all-or-nothing. */
export function flushCodeCache(): void {
  for (const write of pendingWrites.splice(0)) {
    try {
      write();
    } catch {
      // a full disk or a vanished folder: the next start compiles from source again
    }
  }
}

/** A cache of another build untouched this long is taken to be of a build no longer installed. */
const STALE_MS = 7 * 24 * 3600_000;

/**
 * Caches of other builds of the same bundle (same group, another content hash) are removed when a
 * new one is written, once they have gone unused for {@link STALE_MS}: a developer rebuilds often,
 * but two installed versions sharing the folder must not keep deleting each other's.
 */
function pruneOlderBuilds(cacheFile: string): void {
  const dir = dirname(cacheFile);
  const m = /^(.+)-([0-9a-f]{12})\.cjs\./.exec(basename(cacheFile));
  if (!m) return;
  for (const f of readdirSync(dir)) {
    const other = /^(.+)-([0-9a-f]{12})\.cjs\..*\.v8$/.exec(f);
    if (!other || other[1] !== m[1] || other[2] === m[2]) continue;
    const file = join(dir, f);
    const st = statSync(file);
    if (Date.now() - Math.max(st.atimeMs, st.mtimeMs) > STALE_MS) rmSync(file, { force: true });
  }
}
