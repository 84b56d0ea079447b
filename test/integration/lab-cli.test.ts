/**
 * `agmedic lab up` as a user runs it (a separate process from the built bundle) and
 * `agmedic lab fault` / `lab state` from yet another process.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sql from 'mssql';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetsFileSchema } from '../../src/runtime/targets/targets-schema.js';
import { buildCliBundle } from './helpers/build-cli.js';

interface UpInfo {
  targets: string;
  stateFile: string;
  control: { url: string; token: string };
  pairs: { sqlserver: { host: string; port: number }; mi: { port: number } }[];
  env: Record<string, string>;
}

let cli: string;
let dir: string;
let child: ChildProcessWithoutNullStreams;
let info: UpInfo;
let pool: sql.ConnectionPool | undefined;
let stderr = '';

beforeAll(async () => {
  cli = await buildCliBundle();
  dir = mkdtempSync(join(tmpdir(), 'agmedic-lab-cli-'));
  child = spawn(
    process.execPath,
    [cli, 'lab', 'up', '--base-port', '0', '--json', '--scenario', 'healthy', '--state-file', join(dir, 'lab.json'), '--targets-out', join(dir, 'targets.yaml'), '--statement-log', join(dir, 'statements.jsonl')],
    { env: { ...process.env, NO_COLOR: '1' } },
  );
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  info = await new Promise<UpInfo>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)) as UpInfo);
    });
    child.once('exit', (code) => reject(new Error(`lab up exited ${code} before printing: ${stderr}`)));
  });
}, 60_000);

afterAll(async () => {
  await pool?.close();
  if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  rmSync(dirname(cli), { recursive: true, force: true });
});

function agmedic(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('agmedic lab up / lab fault', () => {
  it('writes a valid targets file, a private state file, and answers SELECT 1', async () => {
    const targets = targetsFileSchema.parse(parse(readFileSync(join(dir, 'targets.yaml'), 'utf8'))).targets;
    expect(targets.sqlserver).toMatchObject({ port: info.pairs[0]!.sqlserver.port, auth: { passwordEnv: 'AGMEDIC_LAB_PASSWORD' } });
    expect(existsSync(join(dir, 'agmedic-lab-ca.pem'))).toBe(true);
    expect(statSync(join(dir, 'lab.json')).mode & 0o077).toBe(0);
    expect(info.env.AGMEDIC_LAB_PASSWORD).toBe('agmedic-lab');
    pool = await new sql.ConnectionPool({
      server: info.pairs[0]!.sqlserver.host,
      port: info.pairs[0]!.sqlserver.port,
      user: 'sa',
      password: info.env.AGMEDIC_LAB_PASSWORD!,
      options: { encrypt: false },
      pool: { max: 1 },
    }).connect();
    expect((await pool.request().query('SELECT 1 AS one')).recordset).toEqual([{ one: 1 }]);
  });

  it('lab fault from another process takes effect (state file lookup)', async () => {
    const r = agmedic(['lab', 'fault', 'fail-next', 'sqlserver', '--pattern', '^SELECT 42', '--error', '50001', '--message', 'from another process', '--state', join(dir, 'lab.json')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/applied fail-next/);
    const err = await pool!.request().query('SELECT 42 AS x').then(
      () => undefined,
      (e: unknown) => e as sql.RequestError,
    );
    expect(err?.number).toBe(50001);
    expect(err?.message).toBe('from another process');
    const log = readFileSync(join(dir, 'statements.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { text: string; outcome: unknown });
    expect(log.find((l) => l.text === 'SELECT 42 AS x')?.outcome).toEqual({ ok: false, number: 50001, message: 'from another process' });
  });

  it('lab state with --control/--token shows the roles; a wrong token is refused', () => {
    const ok = agmedic(['lab', 'state', '--json', '--control', info.control.url, '--token', info.control.token]);
    expect(ok.status).toBe(0);
    expect((JSON.parse(ok.stdout) as { instances: { role: string }[] }[])[0]!.instances.map((i) => i.role)).toEqual(['PRIMARY', 'SECONDARY']);
    const bad = agmedic(['lab', 'fault', 'restart', 'sqlserver', '--control', info.control.url, '--token', 'not-the-token']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/LAB_CONTROL_AUTH/);
    const still = agmedic(['lab', 'state', '--json', '--state', join(dir, 'lab.json')]);
    expect((JSON.parse(still.stdout) as { instances: { up: boolean }[] }[])[0]!.instances[0]!.up).toBe(true);
  }, 60_000);

  it('writes a private env file with the password, the ARM token and the state file', () => {
    const env = readFileSync(join(dir, 'lab.env'), 'utf8');
    expect(statSync(join(dir, 'lab.env')).mode & 0o077).toBe(0);
    expect(env).toContain(`export AGMEDIC_LAB_PASSWORD='${info.env.AGMEDIC_LAB_PASSWORD}'`);
    expect(env).toContain(`export AGMEDIC_LAB_ARM_TOKEN='${info.env.AGMEDIC_LAB_ARM_TOKEN}'`);
    expect(env).toContain(`export AGMEDIC_LAB_STATE='${join(dir, 'lab.json')}'`);
  });

  it('plays the DBA: stops the workload, adds and removes an MI trust certificate', async () => {
    const state = ['--state', join(dir, 'lab.json')];
    const commit = async (): Promise<string> =>
      (await pool!.request().query("SELECT CONVERT(varchar(30), last_commit_time, 126) AS t FROM sys.dm_hadr_database_replica_states WHERE is_local = 1")).recordset[0].t as string;
    const stop = agmedic(['lab', 'fault', 'workload', 'sqlserver', '--off', ...state]);
    expect(stop.stderr).toBe('');
    expect(stop.status).toBe(0);
    const first = await commit();
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await commit()).toBe(first);
    const add = agmedic(['lab', 'fault', 'trust-certificate', '--name', 'Copy_Of_SQL01_Cert', '--certificate', 'SQL01_Link_Cert', ...state]);
    expect(add.status).toBe(0);
    const remove = agmedic(['lab', 'fault', 'trust-certificate', '--name', 'Copy_Of_SQL01_Cert', '--off', '--json', ...state]);
    expect(remove.status).toBe(0);
    const again = agmedic(['lab', 'fault', 'trust-certificate', '--name', 'Copy_Of_SQL01_Cert', '--off', ...state]);
    expect(again.status).not.toBe(0);
    expect(again.stderr).toMatch(/LAB_CONTROL/);
    const restart = agmedic(['lab', 'fault', 'workload', 'sqlserver', '--rate', '1048576', ...state]);
    expect(restart.status).toBe(0);
    const bad = agmedic(['lab', 'fault', 'recreate-link', ...state]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/LAB_CONTROL/); // the link still exists
  }, 60_000);

  it('rejects a bad fault on the command line with a usage error', () => {
    const r = agmedic(['lab', 'fault', 'fail-next', 'sqlserver', '--state', join(dir, 'lab.json')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--pattern/);
  });

  it('exits 0 on SIGTERM and removes its state file', async () => {
    await pool?.close();
    pool = undefined;
    const code = await new Promise<number | null>((resolve) => {
      child.once('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(existsSync(join(dir, 'lab.json'))).toBe(false);
    expect(existsSync(join(dir, 'lab.env'))).toBe(false);
  });
});
