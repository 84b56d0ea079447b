/**
 * Faults through the control handle and the control port, fleets of pairs, and TDS 8.0 strict —
 * all observed the way a client would: over TCP with `mssql`.
 */
import sql from 'mssql';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { labControlClient, ManualClock, startLab, type Lab } from '../../src/lab/index.js';
import { targetsFileSchema } from '../../src/runtime/targets/targets-schema.js';
import { labConfig, poolTracker, ROLE_QUERY } from './helpers/lab-client.js';

let lab: Lab | undefined;
const pools = poolTracker();
afterEach(async () => {
  await pools.closeAll();
  await lab?.close();
  lab = undefined;
});

const failure = (p: Promise<unknown>): Promise<Error & { code?: string; number?: number }> =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as Error & { code?: string; number?: number },
  );

describe('faults through the control handle', () => {
  it('drop-connections resets open connections; the instance keeps accepting new ones', async () => {
    lab = await startLab();
    const pool = await pools.open(lab, lab.sqlserver);
    expect(lab.control.state().instances[0]!.connections).toBe(1);
    lab.control.dropConnections('SQL01');
    await expect.poll(() => lab!.control.state().instances[0]!.connections).toBe(0);
    const again = await pools.open(lab, lab.sqlserver);
    expect((await again.request().query('SELECT 1 AS ok')).recordset).toEqual([{ ok: 1 }]);
    void pool;
  });

  it('refuse-connections makes new logins fail until turned off', async () => {
    lab = await startLab();
    lab.control.refuseConnections('mi', true);
    const err = await failure(new sql.ConnectionPool(labConfig(lab, lab.mi, { connectionTimeout: 2000 })).connect());
    expect(err).toBeInstanceOf(sql.ConnectionError);
    expect(lab.control.state().instances[1]).toMatchObject({ name: 'mi-lab', refusing: true });
    lab.control.refuseConnections('mi', false);
    expect((await (await pools.open(lab, lab.mi)).request().query('SELECT 1 AS ok')).recordset).toEqual([{ ok: 1 }]);
  });

  it('restart takes the instance down for 30 simulated seconds: logins fail, then work again', async () => {
    const clock = new ManualClock(Date.parse('2025-06-01T08:00:00Z'));
    lab = await startLab({ clock });
    lab.control.restartInstance('sqlserver');
    expect(lab.control.state().instances[0]!.up).toBe(false);
    const err = await failure(new sql.ConnectionPool(labConfig(lab, lab.sqlserver)).connect());
    expect(String(err.message)).toMatch(/Login failed/);
    clock.advance(31_000);
    expect(lab.control.state().instances[0]!.up).toBe(true);
    expect((await (await pools.open(lab, lab.sqlserver)).request().query(ROLE_QUERY)).recordset[0]).toMatchObject({ role: 'PRIMARY' });
  });

  it('partition disconnects the link in the DMVs and in ARM’s view', async () => {
    const clock = new ManualClock(Date.parse('2025-06-01T08:00:00Z'));
    lab = await startLab({ clock });
    expect(lab.control.linkView()?.databases[0]?.connectedState).toBe('Connected');
    lab.control.partitionLink(true);
    clock.advance(60_000);
    expect(lab.control.state()).toMatchObject({ partitioned: true, link: { databases: [{ connectedState: 'Disconnected' }] } });
    // The primary sees its remote replica; a secondary shows only its own row.
    const pool = await pools.open(lab, lab.sqlserver);
    const r = await pool.request().query('SELECT connected_state_desc AS c FROM sys.dm_hadr_availability_replica_states WHERE is_local = 0');
    expect((r.recordset as { c: string }[]).map((x) => x.c)).toContain('DISCONNECTED');
    lab.control.partitionLink(false);
    clock.advance(60_000);
    expect(lab.control.linkView()?.databases[0]?.connectedState).toBe('Connected');
  });

  it('rejects nonsense faults with LAB_CONTROL', async () => {
    lab = await startLab();
    const l = lab;
    expect(() => l.control.failNext('nowhere', 'x', 50000)).toThrow(expect.objectContaining({ code: 'LAB_CONTROL' }));
    expect(() => l.control.failNext('mi', '(', 50000)).toThrow(expect.objectContaining({ code: 'LAB_CONTROL' }));
    expect(() => l.control.delayStatements('mi', -1)).toThrow(expect.objectContaining({ code: 'LAB_CONTROL' }));
  });
});

describe('the control port', () => {
  it('applies a fault from a client with the token and refuses a wrong token', async () => {
    lab = await startLab({ control: true });
    const server = lab.controlServer!;
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const bad = labControlClient({ url: server.url, token: `${server.token}x` });
    await expect(bad.state()).rejects.toMatchObject({ code: 'LAB_CONTROL_AUTH' });
    await expect(bad.fault({ kind: 'restart', instance: 'sqlserver' })).rejects.toMatchObject({ code: 'LAB_CONTROL_AUTH' });
    expect(lab.control.state().instances[0]!.up).toBe(true);

    const good = labControlClient(server);
    const state = await good.fault({ kind: 'fail-next', instance: 'mi', pattern: '^SELECT 9', errorNumber: 41986, message: 'injected 41986' });
    expect(state.instances.map((i) => i.name)).toEqual(['SQL01', 'mi-lab']);
    const pool = await pools.open(lab, lab.mi);
    expect((await failure(pool.request().query('SELECT 9 AS nine'))).number).toBe(41986);
    const log = await good.statements();
    expect(log.statements.at(-1)).toMatchObject({ instance: 'mi-lab', outcome: { ok: false, number: 41986 } });
    await expect(good.fault({ kind: 'restart', instance: 'nowhere' })).rejects.toMatchObject({ code: 'LAB_CONTROL' });
  });
});

describe('pairs', () => {
  it('runs independent pairs with their own scenarios and one targets file for all', async () => {
    lab = await startLab({ pairs: 3, scenarios: ['healthy', 'split-brain'], scenario: 'cert-expired' });
    expect(lab.pairs.map((p) => p.scenario)).toEqual(['healthy', 'split-brain', 'cert-expired']);
    expect(lab.pairs.map((p) => p.control.roles())).toEqual([
      { sqlserver: 'PRIMARY', mi: 'SECONDARY' },
      { sqlserver: 'PRIMARY', mi: 'PRIMARY' },
      { sqlserver: 'PRIMARY', mi: 'SECONDARY' },
    ]);
    const second = lab.pairs[1]!;
    const pool = await pools.open(lab, second.mi);
    expect((await pool.request().query(ROLE_QUERY)).recordset[0]).toMatchObject({ role: 'PRIMARY' });
    second.control.restartInstance('sqlserver');
    expect(lab.pairs.map((p) => p.control.state().instances[0]!.up)).toEqual([true, false, true]);
    const targets = targetsFileSchema.parse(parse(lab.targetsYaml())).targets;
    expect(Object.keys(targets)).toEqual(['sqlserver', 'mi', 'sqlserver-2', 'mi-2', 'sqlserver-3', 'mi-3']);
    expect(targets['mi-2']).toMatchObject({ port: second.mi.port, azure: { endpoint: second.arm.url } });
    expect(new Set(lab.pairs.flatMap((p) => [p.sqlserver.port, p.mi.port, p.arm.port])).size).toBe(9);
  });

  it('refuses more than 100 pairs and an unknown scenario before taking any port', async () => {
    await expect(startLab({ pairs: 101 })).rejects.toMatchObject({ code: 'LAB_CONTROL' });
    await expect(startLab({ scenario: 'no-such-thing' })).rejects.toMatchObject({ code: 'LAB_SCENARIO' });
  });
});

describe('TLS strict', () => {
  it('serves TDS 8.0 with the lab CA and refuses clients that do not trust it', async () => {
    lab = await startLab({ tls: 'strict' });
    const pool = await pools.open(lab, lab.sqlserver);
    expect((await pool.request().query('SELECT @@SERVERNAME AS name')).recordset).toEqual([{ name: 'SQL01' }]);
    const err = await failure(new sql.ConnectionPool(labConfig(lab, lab.mi, { options: { cryptoCredentialsDetails: {} } })).connect());
    expect(String(err.message)).toMatch(/certificate|self.signed|verify/i);
    expect(parse(lab.targetsYaml()).targets.sqlserver).toMatchObject({ encrypt: 'strict', caFile: 'agmedic-lab-ca.pem' });
  });
});
