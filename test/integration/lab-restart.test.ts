/**
 * `lab fault restart` ends by itself (issue 14): after the 30 simulated seconds of downtime the
 * instance accepts logins again with no other traffic to wake the model — before, every login
 * failed until something else ran a statement or read the state.
 */
import sql from 'mssql';
import { afterEach, expect, it } from 'vitest';
import { labControlClient, startLab, type Lab } from '../../src/lab/index.js';
import { labConfig } from './helpers/lab-client.js';

let lab: Lab | undefined;
afterEach(async () => {
  await lab?.close();
  lab = undefined;
});

async function login(l: Lab): Promise<string> {
  const pool = new sql.ConnectionPool(labConfig(l, l.sqlserver, { connectionTimeout: 2000 }));
  try {
    await pool.connect();
    return 'ok';
  } catch (err) {
    return String((err as Error).message);
  } finally {
    await pool.close();
  }
}

it('restart through the control port: logins fail while down, then work again with nothing else happening', async () => {
  // Speed 100: 30 simulated seconds of downtime are 300 ms.
  lab = await startLab({ speed: 100, control: true });
  const control = labControlClient(lab.controlServer!);
  await control.fault({ kind: 'restart', instance: 'sqlserver' });
  expect(await login(lab)).toMatch(/Login failed/);
  await new Promise((r) => setTimeout(r, 1000));
  // Only logins since the restart: no statement, no state read.
  expect(await login(lab)).toBe('ok');
  expect(lab.world.events.filter((e) => e.kind === 'instance-up')).toHaveLength(1);
}, 20_000);
