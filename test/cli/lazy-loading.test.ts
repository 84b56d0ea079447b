/**
 * Issue 13 / design.md: a command loads a driver or SDK only when it will use it. Proved on the
 * built bundle (what users run) by tracing every module the process resolves (ESM) or requires
 * (CommonJS), and mapping the bundle's chunks back to the npm packages inside them
 * (dist/bundle-contents.json, written by scripts/build.mjs: mssql/tedious are bundled).
 *
 * - plan, validate, graph, schema, list: no driver, no SDK, no inquirer, no lab engine; and for
 *   a shipped runbook not even zod or the `yaml` parser (its known-good entry is read instead).
 * - against a lab, SQL authentication and no ARM step: mssql, but never @azure/*, inquirer or alasql.
 * - with ARM steps: the ARM client, still not @azure/identity (the lab's token is no Entra sign-in).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'agmedic-trace-'));
let chunkPackages: Record<string, string[]> = {};

const DRIVERS = ['mssql', 'tedious'];
/** The Azure SDKs proper; tedious's two tiny helpers (@azure/core-auth, core-util) are not among them. */
const AZURE = /^@azure\/(identity|msal-|arm-|core-client|core-rest-pipeline|core-lro)/;
const TERMINAL = ['inquirer', /^@inquirer\//];
const LAB_ENGINE = ['alasql'];
type Rule = string | RegExp;
const matches = (pkg: string, rules: readonly Rule[]) => rules.some((r) => (typeof r === 'string' ? r === pkg : r.test(pkg)));

beforeAll(() => {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
  chunkPackages = JSON.parse(readFileSync(join(root, 'dist', 'bundle-contents.json'), 'utf8')) as Record<string, string[]>;
}, 60_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The npm packages a module URL stands for: node_modules' own, or those bundled into a dist/ chunk. */
function packagesOf(url: string): string[] {
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (nm) return [nm[1]!];
  const dist = /\/dist\/(.+\.c?js)$/.exec(url);
  return dist ? (chunkPackages[dist[1]!] ?? []) : [];
}

function trace(args: string[], env: Record<string, string> = {}): { status: number | null; packages: Set<string>; modules: string[]; stderr: string } {
  const file = join(tmp, `${args[0]}-${Math.random().toString(36).slice(2)}.txt`);
  const r = spawnSync(process.execPath, ['--import', './test/fixtures/trace-imports.mjs', 'bin/agmedic.js', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ...env, AGMEDIC_TRACE_IMPORTS: file, NO_COLOR: '1' },
    timeout: 60_000,
  });
  let modules: string[] = [];
  try {
    modules = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    // no module resolved at all would leave no file; the assertions below catch that
  }
  return { status: r.status, modules, packages: new Set(modules.flatMap(packagesOf)), stderr: r.stderr };
}

const loaded = (packages: Set<string>, rules: readonly Rule[]) => [...packages].filter((p) => matches(p, rules)).sort();

describe.each([
  ['plan', ['plan', 'split-brain-recovery', '-p', 'link=SalesLink', '-p', 'keep=managedInstance']],
  ['validate', ['validate', 'runbooks']],
  ['graph', ['graph', 'split-brain-recovery']],
  ['schema', ['schema']],
  ['list', ['list']],
])('%s', (_name, args) => {
  it('runs without loading a driver, an Azure SDK, inquirer, the lab engine, zod or yaml', () => {
    const { status, modules, packages, stderr } = trace(args);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    // The built CLI ran: its ES module entry, or (plan) the code-cached bundle bin/agmedic.js picks.
    expect(modules.some((m) => /\/dist\/cli(\.js|-connected-[0-9a-f]{12}\.cjs)$/.test(m))).toBe(true);
    expect(loaded(packages, [...DRIVERS, AZURE, ...TERMINAL, ...LAB_ENGINE, 'zod', 'yaml'])).toEqual([]);
  });
});

const SPLIT = ['-p', 'link=SalesLink', '-p', 'keep=managedInstance', '-p', 'backup_path=/var/opt/mssql/backup/Sales.trn'];

describe('against a lab', () => {
  let lab: ChildProcess;
  let targets = '';
  let sqlOnly = '';
  let env: Record<string, string> = {};
  let approval = { sql: '', arm: '', keys: '' };

  beforeAll(async () => {
    lab = spawn(process.execPath, ['bin/agmedic.js', 'lab', 'up', '--base-port', '0', '--json', '--state-file', join(tmp, 'lab.json'), '--targets-out', join(tmp, 'targets.yaml')], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const info = await new Promise<{ targets: string; env: Record<string, string> }>((resolve, reject) => {
      let out = '';
      lab.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(JSON.parse(out.slice(0, out.indexOf('\n'))) as { targets: string; env: Record<string, string> });
      });
      lab.once('exit', (code) => reject(new Error(`lab up exited ${code}`)));
    });
    targets = info.targets;
    env = info.env;
    sqlOnly = join(tmp, 'sql-only.yaml');
    writeFileSync(sqlOnly, readFileSync(targets, 'utf8').replace(/\n    azure:\n(?: {6}.*\n)+/g, '\n'));
    const cli = (args: string[]) => execFileSync(process.execPath, ['bin/agmedic.js', ...args], { cwd: root, env: { ...process.env, ...env }, stdio: 'pipe' });
    const keys = join(tmp, 'keys');
    cli(['keygen', '--out', keys, '--name', 'trace']);
    approval = { keys, sql: join(tmp, 'sql.approval.json'), arm: join(tmp, 'arm.approval.json') };
    cli(['approve', 'split-brain-recovery', ...SPLIT, '--key', join(keys, 'trace.key'), '--approver', 't', '-t', sqlOnly, '--out', approval.sql]);
    cli(['approve', 'premature-log-truncation', '-p', 'link=SalesLink', '--key', join(keys, 'trace.key'), '--approver', 't', '-t', targets, '--out', approval.arm]);
  }, 60_000);
  afterAll(() => {
    lab?.kill('SIGTERM');
  });

  const runArgs = (runbook: string, params: string[], file: string, approvalFile: string) =>
    ['run', runbook, ...params, '-t', file, '--unattended', '--approval', approvalFile, '--trusted-keys', approval.keys, '--audit', join(tmp, 'audit.jsonl'), '--state-dir', tmp, '--json'];

  it('run with SQL authentication and no ARM step loads mssql, never @azure/*, inquirer or alasql', () => {
    const r = trace(runArgs('split-brain-recovery', SPLIT, sqlOnly, approval.sql), env);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0); // healthy lab: its first check finds nothing to do
    expect(loaded(r.packages, DRIVERS)).toEqual(['mssql', 'tedious']);
    expect(loaded(r.packages, [AZURE, ...TERMINAL, ...LAB_ENGINE])).toEqual([]);
  }, 60_000);

  it('diagnose and plan --live with SQL authentication load no Azure SDK', () => {
    for (const args of [
      ['diagnose', '-t', sqlOnly, '--sample', '0'],
      ['plan', 'split-brain-recovery', '-p', 'link=SalesLink', '-p', 'keep=managedInstance', '--live', '-t', sqlOnly],
    ]) {
      const r = trace(args, env);
      expect(r.status, r.stderr).toBe(0);
      expect(loaded(r.packages, DRIVERS)).toEqual(['mssql', 'tedious']);
      expect(loaded(r.packages, [AZURE, ...TERMINAL, ...LAB_ENGINE])).toEqual([]);
    }
  }, 60_000);

  it('a run with an ARM step loads the ARM client, but no Entra credential for a token it was given', () => {
    const r = trace(runArgs('premature-log-truncation', ['-p', 'link=SalesLink'], targets, approval.arm), env);
    expect(r.status, r.stderr).toBe(4); // healthy lab: not log truncation, refused after reading ARM
    expect(r.packages.has('@azure/arm-sql')).toBe(true);
    expect(loaded(r.packages, ['@azure/identity', '@azure/msal-node', ...TERMINAL, ...LAB_ENGINE])).toEqual([]);
  }, 60_000);
});
