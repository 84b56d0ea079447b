/**
 * Issue 13: the bundled libraries (dist/vendor/*.cjs) run through V8's code cache
 * (src/cli/boot/vendor-loader.ts). Proved on a real build and real processes: the first start
 * writes the cache, the next one uses it and prints the same thing; a damaged cache is rejected
 * by V8 and rewritten; a folder another user could write to is never trusted; the cache can be
 * turned off. Which libraries a start loaded, and how, is read from the loader's registry by a
 * preload (test/fixtures/vendor-loads.mjs).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'agmedic-code-cache-'));
// Inside the package, so the bundle finds node_modules and the shipped runbooks; never dist/,
// which other test files rebuild at the same time.
mkdirSync(join(root, 'node_modules', '.cache'), { recursive: true });
const pkg = mkdtempSync(join(root, 'node_modules', '.cache', 'agmedic-code-cache-'));
// bin/agmedic.js finds ../dist: a copy of it next to this private build picks bundles as it does for users.
const dist = join(pkg, 'dist');
const bin = join(pkg, 'bin', 'agmedic.js');
// A runbook no build has checked: validating it loads the YAML parsers, zod and CEL.
const runbook = join(tmp, 'changed.yaml');

beforeAll(() => {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'pipe', env: { ...process.env, AGMEDIC_DIST: dist } });
  mkdirSync(join(pkg, 'bin'));
  writeFileSync(bin, readFileSync(join(root, 'bin', 'agmedic.js')));
  writeFileSync(runbook, `# not the shipped text\n${readFileSync(join(root, 'runbooks', 'split-brain-recovery.yaml'), 'utf8')}`);
}, 60_000);
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  rmSync(pkg, { recursive: true, force: true });
});

interface Start {
  status: number | null;
  stdout: string;
  stderr: string;
  loads: Array<{ file: string; cache: string }>;
}

function start(env: Record<string, string>, args: string[] = [join(dist, 'cli.js'), 'validate', runbook]): Start {
  const report = join(tmp, `loads-${Math.random().toString(36).slice(2)}.json`);
  const r = spawnSync(process.execPath, ['--import', './test/fixtures/vendor-loads.mjs', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', AGMEDIC_NO_CACHE: '', ...env, AGMEDIC_VENDOR_LOADS: report },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, loads: JSON.parse(readFileSync(report, 'utf8')) as Start['loads'] };
}

const states = (s: Start) => [...new Set(s.loads.map((l) => l.cache))];
const cacheFolder = (base: string) => join(base, `v8-${process.version}-${process.arch}`);

describe('the vendor bundles', () => {
  it('are named by their content, so a rebuilt library never meets an old cache', () => {
    const files = readdirSync(join(dist, 'vendor'));
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const f of files) {
      const m = /^[a-z-]+-([0-9a-f]{12})\.cjs$/.exec(f);
      expect(m, f).not.toBeNull();
      expect(createHash('sha256').update(readFileSync(join(dist, 'vendor', f))).digest('hex').slice(0, 12)).toBe(m![1]);
    }
  });
});

describe('the code cache', () => {
  it('is written by the first start and used by the next, which prints the same', () => {
    const base = join(tmp, 'first');
    const first = start({ AGMEDIC_CACHE_DIR: base });
    expect(first.status, first.stderr).toBe(0);
    expect(first.loads.map((l) => l.file.split('/').pop()!.replace(/-[0-9a-f]{12}\.cjs$/, '')).sort()).toEqual(expect.arrayContaining(['cel', 'yaml', 'zod']));
    expect(states(first)).toEqual(['miss']);
    const folder = cacheFolder(base);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    const written = readdirSync(folder);
    // One cache per bundle and command: `validate` compiles other parts than `run` would.
    expect(written.sort()).toEqual(first.loads.map((l) => `${l.file.split('/').pop()}.validate.v8`).sort());
    for (const f of written) expect(statSync(join(folder, f)).mode & 0o777).toBe(0o600);

    const second = start({ AGMEDIC_CACHE_DIR: base });
    expect(states(second)).toEqual(['hit']);
    expect(second.stdout).toBe(first.stdout);
    expect(second.status).toBe(first.status);
  });

  it('that is damaged is rejected by V8, compiled from source and rewritten', () => {
    const base = join(tmp, 'damaged');
    start({ AGMEDIC_CACHE_DIR: base });
    const folder = cacheFolder(base);
    const victim = readdirSync(folder).find((f) => f.startsWith('zod-'))!;
    const good = readFileSync(join(folder, victim));
    const bad = Buffer.from(good);
    bad.fill(0x5a, 0, 64); // V8's header (magic, version and source hashes, checksum) no longer matches
    writeFileSync(join(folder, victim), bad);
    const r = start({ AGMEDIC_CACHE_DIR: base });
    expect(r.status, r.stderr).toBe(0);
    expect(r.loads.find((l) => l.file.endsWith(victim.replace(/\.validate\.v8$/, '')))!.cache).toBe('rejected');
    expect(readFileSync(join(folder, victim)).subarray(0, 64).equals(bad.subarray(0, 64))).toBe(false);
    expect(states(start({ AGMEDIC_CACHE_DIR: base }))).toEqual(['hit']);
  });

  it('is never read from or written to a folder others can write to', () => {
    const base = join(tmp, 'shared');
    start({ AGMEDIC_CACHE_DIR: base });
    const folder = cacheFolder(base);
    chmodSync(folder, 0o777);
    const before = readdirSync(folder).map((f) => [f, statSync(join(folder, f)).mtimeMs]);
    const r = start({ AGMEDIC_CACHE_DIR: base });
    expect(r.status, r.stderr).toBe(0);
    expect(states(r)).toEqual(['off']);
    expect(readdirSync(folder).map((f) => [f, statSync(join(folder, f)).mtimeMs])).toEqual(before);
  });

  it('is off with AGMEDIC_NO_CACHE=1, and nothing is written', () => {
    const base = join(tmp, 'off');
    const r = start({ AGMEDIC_CACHE_DIR: base, AGMEDIC_NO_CACHE: '1' });
    expect(r.status, r.stderr).toBe(0);
    expect(states(r)).toEqual(['off']);
    expect(() => readdirSync(base)).toThrow();
  });

  it('refuses an entry another user could have written, and replaces it', () => {
    const base = join(tmp, 'entry');
    start({ AGMEDIC_CACHE_DIR: base });
    const folder = cacheFolder(base);
    const victim = readdirSync(folder).find((f) => f.startsWith('zod-'))!;
    chmodSync(join(folder, victim), 0o666);
    const r = start({ AGMEDIC_CACHE_DIR: base });
    expect(r.status, r.stderr).toBe(0);
    expect(r.loads.find((l) => l.file.endsWith(victim.replace(/\.validate\.v8$/, '')))!.cache).toBe('miss');
    expect(statSync(join(folder, victim)).mode & 0o777).toBe(0o600);
  });

  it('serves the CLI bundle bin/agmedic.js starts for plan (and the connected commands) too', () => {
    const base = join(tmp, 'bin');
    const args = [bin, 'plan', 'split-brain-recovery', '-p', 'link=SalesLink', '-p', 'keep=managedInstance'];
    const first = start({ AGMEDIC_CACHE_DIR: base }, args);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toBe('');
    const cli = first.loads.find((l) => /cli-connected-[0-9a-f]{12}\.cjs$/.test(l.file));
    expect(cli?.cache).toBe('miss');
    const second = start({ AGMEDIC_CACHE_DIR: base }, args);
    expect(second.loads.find((l) => l.file === cli!.file)?.cache).toBe('hit');
    expect(second.stdout).toBe(first.stdout);
    // The same plan as the ES module entry prints.
    expect(start({ AGMEDIC_CACHE_DIR: base }, [join(dist, 'cli.js'), ...args.slice(1)]).stdout).toBe(first.stdout);
  });

  it('is not written by a start that refused its input (exit 2)', () => {
    const base = join(tmp, 'refused');
    const r = start({ AGMEDIC_CACHE_DIR: base }, [bin, 'plan', 'split-brain-recovery', '--no-such-option']);
    expect(r.status).toBe(2);
    expect(r.loads.length).toBeGreaterThan(0);
    expect(readdirSync(cacheFolder(base))).toEqual([]);
  });
});
