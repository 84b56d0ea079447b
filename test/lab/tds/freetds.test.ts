import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from './harness.js';

const hasTsql = spawnSync('sh', ['-c', 'command -v tsql'], { encoding: 'utf8' }).status === 0;

let lab: Lab;
beforeAll(async () => {
  lab = await startLab();
});
afterAll(async () => {
  await lab.stop();
});

function runTsql(input: string, password = 'pw'): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn('tsql', ['-H', '127.0.0.1', '-p', String(lab.server.port), '-U', 'sa', '-P', password], {
      env: { ...process.env, TDSVER: '7.4', FREETDSCONF: '/dev/null' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ stdout, stderr, code }));
    child.stdin.end(input);
  });
}

// In CI (.ci/run installs freetds-bin) a missing tsql must fail, not skip.
if (process.env.CI && !hasTsql) throw new Error('tsql is not on PATH: .ci/run must install freetds-bin');

describe.skipIf(!hasTsql)('FreeTDS tsql (skipped: tsql is not on PATH)', () => {
  it('logs in with TDS 7.4 and prints the row of SELECT 1', async () => {
    lab.engine.table.set('SELECT 42 AS ANSWER', [
      { kind: 'resultSet', columns: [{ name: 'answer', type: { name: 'int' } }], rows: [[42]] },
    ]);
    const { stdout, stderr } = await runTsql('SELECT 42 AS answer\ngo\nexit\n');
    expect(stderr).not.toMatch(/error|failed/i);
    expect(stdout).toMatch(/answer\s*\n\s*42\s*\n/);
    expect(stdout).toMatch(/\(1 row affected\)/);
    const batch = lab.engine.requests.find((r) => r.text.trim() === 'SELECT 42 AS answer');
    expect(batch?.kind).toBe('batch');
    expect(batch?.session.appName).toBe('TSQL');
  });

  it('runs the literal SELECT 1 / go / exit script', async () => {
    const { stdout } = await runTsql('SELECT 1\ngo\nexit\n');
    expect(stdout).toMatch(/\n\s*1\s*\n\(1 row affected\)/);
  });

  it('reports a wrong password as a login failure', async () => {
    const { stdout, stderr } = await runTsql('exit\n', 'wrong');
    expect(stdout + stderr).toMatch(/Login failed for user 'sa'/);
  });

  it('shows an engine error with its number', async () => {
    const { stdout, stderr } = await runTsql('RAISE 50123\ngo\nexit\n');
    expect(stdout + stderr).toMatch(/Msg 50123 \(severity 16, state 2\) from LABSQL01 Line 3/);
    expect(stdout + stderr).toMatch(/raised 50123/);
  });
});
