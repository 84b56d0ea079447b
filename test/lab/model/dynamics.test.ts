import { describe, expect, it } from 'vitest';
import { AgmedicError } from '../../../src/errors.js';
import { ManualClock, ScaledClock } from '../../../src/lab/model/clock.js';
import { armDelete, armFailover, armSetRole, armUpdate, getLinkView } from '../../../src/lab/model/link-api.js';
import { SqlServerError } from '../../../src/lab/model/sql-error.js';
import { createLabWorld, loadScenario, validateScenario } from '../../../src/lab/scenarios/load-scenario.js';
import { errorsOf, lab, rowsOf, run, ROLE_QUERY } from '../sql/helpers.js';

describe('dynamics over a manual clock', () => {
  it('is deterministic: two worlds advanced alike have identical LSNs and GUIDs', () => {
    const a = lab('flow-control');
    const b = lab('flow-control');
    a.world.advance(90_000);
    b.world.advance(90_000);
    expect(a.world.link!.sides.map((s) => s.hardened)).toEqual(b.world.link!.sides.map((s) => s.hardened));
    expect(a.world.link!.groupId).toBe(b.world.link!.groupId);
  });

  it('healthy: the secondary keeps up (queue bounded by one step of workload)', () => {
    const { world } = lab('healthy');
    world.advance(600_000);
    const [sql, mi] = world.link!.sides;
    expect(sql.logEnd).toBeGreaterThan(5_000_000_000 + 600 * 2_000_000);
    expect(sql.logEnd - mi.hardened).toBeLessThanOrEqual(2 * 1024 * 1024);
  });

  it('slow seeding progresses at the link rate and restarts after an instance restart or a partition', () => {
    const { world } = lab('slow-seeding');
    const seeding = world.link!.seeding!;
    const before = seeding.transferredBytes;
    world.advance(100_000);
    expect(seeding.transferredBytes - before).toBeCloseTo(100 * 3_145_728, -3);
    world.restartInstance('mi-lab');
    expect(seeding.transferredBytes).toBe(0);
    expect(seeding.attempts).toBe(2);
    world.advance(10_000);
    expect(seeding.transferredBytes).toBe(0); // still down
    world.advance(30_000);
    expect(seeding.transferredBytes).toBeGreaterThan(0);
    world.partitionLink(true);
    world.partitionLink(false);
    expect(seeding.attempts).toBe(3);
  });

  it('a restarted instance refuses statements with 6005 until it is back', async () => {
    const l = lab('healthy');
    l.world.restartInstance('SQL01');
    expect(errorsOf(await run(l.sql, 'SELECT 1'))).toEqual([6005]);
    l.world.advance(31_000);
    expect(errorsOf(await run(l.sql, 'SELECT 1'))).toEqual([]);
  });

  it('failNext fails the next matching statement once with the given number and logs it', async () => {
    const l = lab('healthy');
    l.world.failNext({ instance: 'SQL01', pattern: /FAILOVER/i, errorNumber: 41142 });
    expect(errorsOf(await run(l.sql, 'SELECT 1'))).toEqual([]);
    expect(errorsOf(await run(l.mi, 'ALTER AVAILABILITY GROUP [SalesLink] FAILOVER'))).toEqual([41190]);
    expect(errorsOf(await run(l.sql, 'ALTER AVAILABILITY GROUP [SalesLink] FAILOVER'))).toEqual([41142]);
    expect(l.world.statementLog.at(-1)).toMatchObject({ instance: 'SQL01', outcome: { ok: false, number: 41142 } });
  });

  it('a scaled clock runs N simulated seconds per real second', () => {
    let real = 1_000;
    const clock = new ScaledClock(Date.parse('2025-06-01T00:00:00Z'), 60, () => real);
    real += 1_000;
    expect(clock.now() - Date.parse('2025-06-01T00:00:00Z')).toBe(60_000);
  });
});

describe('link API for the ARM emulator (one model, two views)', () => {
  it('ARM planned failover shows in the DMVs', async () => {
    const l = lab('healthy');
    armFailover(l.world, 'mi-lab', 'SalesLink', 'Planned');
    expect(rowsOf(await run(l.mi, ROLE_QUERY))[0]!['Link role']).toBe('PRIMARY');
    expect(rowsOf(await run(l.sql, ROLE_QUERY))[0]!['Link role']).toBe('SECONDARY');
    const view = getLinkView(l.world, 'mi-lab', 'SalesLink')!;
    // [BP]: "After failover, the commit mode switches back to asynchronous".
    expect([view.instanceLinkRole, view.partnerLinkRole, view.replicationMode]).toEqual(['Primary', 'Secondary', 'Async']);
  });

  it('ARM forced failover with SQL Server up → split brain; setRole Secondary on the MI resolves roles', async () => {
    const l = lab('healthy');
    armFailover(l.world, 'mi-lab', 'SalesLink', 'ForcedAllowDataLoss');
    expect(rowsOf(await run(l.sql, ROLE_QUERY))[0]!['Link role']).toBe('PRIMARY');
    expect(rowsOf(await run(l.mi, ROLE_QUERY))[0]!['Link role']).toBe('PRIMARY');
    armSetRole(l.world, 'mi-lab', 'SalesLink', 'Secondary', 'Planned');
    // Demoting the MI alone ends split brain: SQL01 is the one primary, no FAILOVER needed.
    expect(rowsOf(await run(l.sql, ROLE_QUERY))[0]!['Link role']).toBe('PRIMARY');
    expect(getLinkView(l.world, 'mi-lab', 'SalesLink')!.instanceLinkRole).toBe('Secondary');
  });

  it('ARM update changes the MI side modes; T-SQL on SQL01 sees its own configuration unchanged', async () => {
    const l = lab('healthy');
    armUpdate(l.world, 'mi-lab', 'SalesLink', { replicationMode: 'Sync' });
    const q = "SELECT availability_mode_desc FROM sys.availability_replicas WHERE replica_server_name = 'AG_Sales'";
    expect(rowsOf(await run(l.mi, q))).toEqual([{ availability_mode_desc: 'SYNCHRONOUS_COMMIT' }]);
    expect(rowsOf(await run(l.sql, q))).toEqual([{ availability_mode_desc: 'ASYNCHRONOUS_COMMIT' }]);
  });

  it('ARM delete removes the MI side; unknown links are undefined / coded errors', () => {
    const l = lab('log-truncation');
    armDelete(l.world, 'mi-lab', 'SalesLink');
    expect(getLinkView(l.world, 'mi-lab', 'SalesLink')).toBeUndefined();
    expect(() => armDelete(l.world, 'mi-lab', 'SalesLink')).toThrow(AgmedicError);
    expect(getLinkView(lab('healthy').world, 'mi-lab', 'Other')).toBeUndefined();
  });

  it('refusals carry SQL Server numbers', () => {
    const l = lab('healthy');
    l.world.partitionLink(true);
    l.world.advance(1_000);
    try {
      armFailover(l.world, 'mi-lab', 'SalesLink', 'Planned');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SqlServerError);
      expect((err as SqlServerError).number).toBe(41142);
    }
  });
});

describe('scenario loader', () => {
  it('loads every shipped scenario with a description and observations', () => {
    for (const name of ['healthy', 'split-brain', 'cert-expired', 'log-truncation', 'flow-control', 'slow-seeding']) {
      const s = loadScenario(name);
      expect(s.observe.length).toBeGreaterThan(0);
      expect(createLabWorld(name, { clock: new ManualClock(Date.parse(s.world.start)) }).link).not.toBeNull();
    }
  });

  it('collects every problem of a bad scenario under LAB_SCENARIO', () => {
    try {
      validateScenario({ name: 'x', description: '', observe: [], world: { start: 'nope', link: { roles: { sqlserver: 'BOSS' } } } }, 'x.yaml');
      expect.unreachable();
    } catch (err) {
      expect((err as AgmedicError).code).toBe('LAB_SCENARIO');
      expect(((err as AgmedicError).details!.problems as string[]).length).toBeGreaterThanOrEqual(6);
    }
    expect(() => loadScenario('no-such')).toThrow(/unknown scenario/);
  });
});
