/**
 * design.md: `plan`, `validate`, `graph` and `schema` never load mssql or @azure/*. Proved on the
 * built bundle (what users run) by tracing every module the process resolves.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'agmedic-trace-'));
const heavy = /node_modules\/(mssql|tedious|@azure|inquirer|@inquirer)\//;

beforeAll(() => {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
}, 60_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function trace(args: string[]): { status: number | null; modules: string[]; stderr: string } {
  const file = join(tmp, `${args[0]}-${Math.random().toString(36).slice(2)}.txt`);
  const r = spawnSync(process.execPath, ['--import', './test/fixtures/trace-imports.mjs', 'bin/agmedic.js', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, AGMEDIC_TRACE_IMPORTS: file, NO_COLOR: '1' },
  });
  let modules: string[] = [];
  try {
    modules = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    // no module resolved at all would leave no file; the assertions below catch that
  }
  return { status: r.status, modules, stderr: r.stderr };
}

describe.each([
  ['plan', ['plan', 'split-brain-recovery', '-p', 'link=SalesLink', '-p', 'keep=managedInstance']],
  ['validate', ['validate', 'runbooks']],
  ['graph', ['graph', 'split-brain-recovery']],
  ['schema', ['schema']],
  ['list', ['list']],
])('%s', (_name, args) => {
  it('runs without loading mssql, @azure/* or inquirer', () => {
    const { status, modules, stderr } = trace(args);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(modules.some((m) => m.includes('/dist/cli.js'))).toBe(true);
    expect(modules.filter((m) => heavy.test(m))).toEqual([]);
  });
});
