/**
 * SIGTERM ends `agmedic lab up` within a second, even while a statement holds the lab's event
 * loop (issue 14: a deeply nested SELECT took minutes before the lab had SQL Server's Msg 191
 * limit, and the signal waited for it). The state file is gone afterwards and the exit status is 0.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { packets, RawClient, sqlBatchPayload, TYPE } from '../lab/tds/raw-client.js';
import { buildCliBundle } from './helpers/build-cli.js';

let cli: string;
let dir: string;
beforeAll(async () => {
  cli = await buildCliBundle();
  dir = mkdtempSync(join(tmpdir(), 'agmedic-lab-signal-'));
}, 60_000);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(dirname(cli), { recursive: true, force: true });
});

interface Up {
  info: { control: { url: string; token: string }; pairs: { sqlserver: { host: string; port: number } }[] };
  stateFile: string;
  exit: Promise<{ code: number | null; ms: number }>;
  term(): number;
}

async function labUp(name: string): Promise<Up> {
  const stateFile = join(dir, `${name}.json`);
  const child = spawn(process.execPath, [cli, 'lab', 'up', '--base-port', '0', '--json', '--state-file', stateFile, '--targets-out', join(dir, `${name}.yaml`)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let termAt = 0;
  const exit = new Promise<{ code: number | null; ms: number }>((resolve) => child.once('exit', (code) => resolve({ code, ms: performance.now() - termAt })));
  const info = await new Promise<Up['info']>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)) as Up['info']);
    });
    void exit.then(() => reject(new Error('lab up exited early')));
  });
  return {
    info,
    stateFile,
    exit,
    term: () => {
      termAt = performance.now();
      child.kill('SIGTERM');
      return termAt;
    },
  };
}

/** A logged-in byte-level client: tedious throws unhandled errors when its server is killed mid-request. */
async function connect(up: Up): Promise<RawClient> {
  const c = await RawClient.connect(up.info.pairs[0]!.sqlserver.port);
  expect((await c.login('sa', 'agmedic-lab'))?.[0]).toBe(0xe3);
  return c;
}

it('within a second while a statement holds the lab’s event loop', async () => {
  const up = await labUp('busy');
  const pool = await connect(up);
  const depth = 20_000;
  pool.send(packets(TYPE.SQL_BATCH, sqlBatchPayload(`SELECT ${'('.repeat(depth)}1${')'.repeat(depth)} AS x`)));
  await new Promise((r) => setTimeout(r, 300));
  up.term();
  const { code, ms } = await up.exit;
  console.log(`SIGTERM → exit with a ${depth}-deep SELECT sent: ${ms.toFixed(0)} ms`);
  expect(code).toBe(0);
  expect(ms).toBeLessThan(1000);
  expect(existsSync(up.stateFile)).toBe(false);
  pool.destroy();
}, 60_000);
