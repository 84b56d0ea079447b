/**
 * Every shipped runbook × every lab scenario, unattended through `agmedic run` (in-process, real
 * mssql driver over TCP, real ARM client): a runbook either fixes its own incident — checked
 * afterwards with independent SQL on a fresh connection, never by agmedic's own report — or ends
 * without a single changing statement reaching either instance (the lab's statement log) or the
 * link resource (the ARM emulator's request log). After a fix, running it again changes nothing.
 *
 * Where a runbook needs a person (stop the application, upload a trust certificate in Azure), the
 * test plays that person on the lab, after the runbook asked for it (the audit log's prompt record).
 */
import { describe, expect, test } from 'vitest';
import { SCENARIOS } from '../../src/lab/index.js';
import { recordBackup } from '../../src/lab/model/create-world.js';
import { setDatabaseFormat } from '../../src/lab/model/instance-format.js';
import { armChanges, auditRecords, changes, executed, query, roles, runUnattended, startE2eLab, until, type E2eLab, type RunJson } from './helpers.js';

const LINK = 'SalesLink';
const BACKUP_PATH = 'D:\\Backup\\Sales_splitbrain.trn';
const BACKUP_URL = 'https://labbackups.blob.core.windows.net/splitbrain/Sales_copyonly.bak';
const PARAMS: Record<string, Record<string, string>> = {
  'split-brain-recovery': { link: LINK, keep: 'managedInstance', backup_path: BACKUP_PATH },
  'certificate-rotation': { link: LINK, old_cert: 'SQL01_Link_Cert', new_cert: 'SQL01_Link_Cert_2027', subject: 'SQL01 link endpoint 2027', expiry: '20270601' },
  'premature-log-truncation': { link: LINK },
  'flow-control-tuning': { link: LINK, interval: '60s' },
  'link-failover': { link: LINK, to: 'managedInstance', sql_ag: 'AG_Sales', mi_ag: 'AG_Sales_MI' },
  'seeding-monitor': { link: LINK },
};
type Scenario = (typeof SCENARIOS)[number];
/** Expected outcome where the runbook must not change anything. */
const UNCHANGED: Record<string, Partial<Record<Scenario, string>>> = {
  'split-brain-recovery': { healthy: 'nothing-to-do', 'cert-expired': 'nothing-to-do', 'log-truncation': 'nothing-to-do', 'flow-control': 'nothing-to-do', 'slow-seeding': 'nothing-to-do' },
  'certificate-rotation': { healthy: 'nothing-to-do', 'split-brain': 'nothing-to-do', 'log-truncation': 'nothing-to-do', 'flow-control': 'nothing-to-do', 'slow-seeding': 'nothing-to-do' },
  'premature-log-truncation': { healthy: 'refused', 'split-brain': 'refused', 'cert-expired': 'refused', 'flow-control': 'refused', 'slow-seeding': 'refused' },
  // Read-only by design: on its own incident it diagnoses (diagnosed, with the remediation; exit 0), elsewhere it refuses.
  'flow-control-tuning': { healthy: 'nothing-to-do', 'split-brain': 'refused', 'cert-expired': 'refused', 'log-truncation': 'refused', 'flow-control': 'diagnosed', 'slow-seeding': 'refused' },
  // The application keeps writing in flow-control: the runbook sees the primary still committing and refuses.
  'link-failover': { 'split-brain': 'refused', 'cert-expired': 'refused', 'log-truncation': 'refused', 'slow-seeding': 'refused', 'flow-control': 'refused' },
  'seeding-monitor': { healthy: 'nothing-to-do', 'split-brain': 'nothing-to-do', 'cert-expired': 'nothing-to-do', 'log-truncation': 'nothing-to-do', 'flow-control': 'nothing-to-do', 'slow-seeding': 'manual' },
};

const ROUTE = (r: RunJson): string => r.route.map((x) => x.step).join(' > ');

async function withLab<T>(scenario: string, fn: (e: E2eLab) => Promise<T>, speed?: number): Promise<T> {
  const e = await startE2eLab(scenario, speed);
  try {
    return await fn(e);
  } finally {
    await e.close();
  }
}

/** A run that must leave both instances and the link resource untouched. */
async function expectUnchanged(e: E2eLab, runbook: string, params: Record<string, string>, outcome: string): Promise<RunJson> {
  const r = await runUnattended(e, runbook, params);
  expect(r.outcome, `${r.message}\n${ROUTE(r)}`).toBe(outcome);
  expect(changes(e.lab).map((s) => `${s.instance}: ${s.text}`)).toEqual([]);
  expect(armChanges(e.lab)).toEqual([]);
  return r;
}

/** Runs again after a fix: the second run sends nothing that changes anything. */
async function expectRerunIsNoop(e: E2eLab, runbook: string, params: Record<string, string>, outcomes: string[]): Promise<void> {
  const before = e.lab.statementLog().length;
  const armBefore = e.lab.arm.requests.length;
  const again = await runUnattended(e, runbook, params, { name: 'rerun' });
  expect(outcomes, `${again.outcome}: ${again.message}\n${ROUTE(again)}`).toContain(again.outcome);
  expect(changes(e.lab, before).map((s) => s.text)).toEqual([]);
  expect(armChanges(e.lab, armBefore)).toEqual([]);
}

const HEALTH_SQL = `SELECT rs.synchronization_health_desc AS health, rs.connected_state_desc AS connected
FROM sys.availability_groups ag JOIN sys.dm_hadr_availability_replica_states rs ON ag.group_id = rs.group_id
WHERE ag.is_distributed = 1 AND ag.name = 'SalesLink' AND rs.is_local = 0 AND rs.role = 2`;

describe.each(Object.keys(PARAMS))('%s', (runbook) => {
  const cases = SCENARIOS.filter((s) => UNCHANGED[runbook]![s] !== undefined);
  test.concurrent.each(cases)(`on %s it changes nothing`, async (scenario) => {
    await withLab(scenario, (e) => expectUnchanged(e, runbook, PARAMS[runbook]!, UNCHANGED[runbook]![scenario]!));
  }, 90_000);
});

describe('each runbook on its own incident', () => {
  test.concurrent('split-brain-recovery keep=managedInstance on split-brain: backup, demote SQL01, it resynchronizes; mi-lab stays PRIMARY', async () => {
    await withLab('split-brain', async (e) => {
      e.lab.world.setWorkload('SQL01', 0); // the application owner stops writing to the side to demote
      const r = await runUnattended(e, 'split-brain-recovery', PARAMS['split-brain-recovery']!);
      expect(r.outcome, `${r.message}\n${ROUTE(r)}`).toBe('fixed');
      expect(r.step).toBe('done');
      // No FAILOVER: per [AAG] it would swap the roles and make the demoted SQL01 PRIMARY.
      expect(changes(e.lab).map((s) => `${s.instance}: ${s.text.split('\n')[0]}`)).toEqual([
        'SQL01: BACKUP LOG [Sales] TO DISK = @backup_path WITH COPY_ONLY, CHECKSUM',
        'SQL01: ALTER AVAILABILITY GROUP [SalesLink] SET (ROLE = SECONDARY)',
      ]);
      // Independent SQL: the kept side is PRIMARY, the link healthy, the backup in msdb.
      expect(await roles(e.lab)).toEqual({ sqlserver: 'SECONDARY', mi: 'PRIMARY' });
      expect(await query(e.lab, 'mi', HEALTH_SQL)).toEqual([{ health: 'HEALTHY', connected: 'CONNECTED' }]);
      const backups = await query(
        e.lab,
        'sqlserver',
        `SELECT b.type, b.is_copy_only FROM msdb.dbo.backupset b JOIN msdb.dbo.backupmediafamily f ON f.media_set_id = b.media_set_id
         WHERE b.database_name = 'Sales' AND f.physical_device_name = 'D:\\Backup\\Sales_splitbrain.trn'`,
      );
      expect(backups).toEqual([{ type: 'L', is_copy_only: true }]);
      await expectRerunIsNoop(e, 'split-brain-recovery', PARAMS['split-brain-recovery']!, ['nothing-to-do']);
    });
  }, 90_000);

  test.concurrent('split-brain-recovery keep=sqlserver on split-brain: copy-only backup on mi-lab, demote it; SQL01 stays PRIMARY', async () => {
    await withLab('split-brain', async (e) => {
      e.lab.world.setWorkload('mi-lab', 0);
      const params = { link: LINK, keep: 'sqlserver', backup_url: BACKUP_URL };
      const r = await runUnattended(e, 'split-brain-recovery', params);
      expect(r.outcome, `${r.message}\n${ROUTE(r)}`).toBe('fixed');
      expect(changes(e.lab).map((s) => `${s.instance}: ${s.text.split('\n')[0]}`)).toEqual([
        'mi-lab: BACKUP DATABASE [Sales] TO URL = @backup_url WITH COPY_ONLY',
        'mi-lab: ALTER AVAILABILITY GROUP [SalesLink] SET (ROLE = SECONDARY)',
      ]);
      expect(await roles(e.lab)).toEqual({ sqlserver: 'PRIMARY', mi: 'SECONDARY' });
      expect(await query(e.lab, 'sqlserver', HEALTH_SQL)).toEqual([{ health: 'HEALTHY', connected: 'CONNECTED' }]);
      await expectRerunIsNoop(e, 'split-brain-recovery', params, ['nothing-to-do']);
    });
  }, 90_000);

  test.concurrent('split-brain-recovery failover_after=true: after resync, the kept side stops writing and the [TS] FAILOVER makes SQL01 PRIMARY', async () => {
    await withLab('split-brain', async (e) => {
      e.lab.world.setWorkload('SQL01', 0);
      e.lab.world.setWorkload('mi-lab', 0); // the kept side's application is stopped too, as the runbook asks
      const params = { ...PARAMS['split-brain-recovery']!, failover_after: 'true' };
      const r = await runUnattended(e, 'split-brain-recovery', params);
      expect(r.outcome, `${r.message}\n${ROUTE(r)}`).toBe('fixed');
      expect(r.step).toBe('done_swapped');
      expect(changes(e.lab).map((s) => `${s.instance}: ${s.text.split('\n')[0]}`)).toEqual([
        'SQL01: BACKUP LOG [Sales] TO DISK = @backup_path WITH COPY_ONLY, CHECKSUM',
        'SQL01: ALTER AVAILABILITY GROUP [SalesLink] SET (ROLE = SECONDARY)',
        'mi-lab: ALTER AVAILABILITY GROUP [SalesLink] FAILOVER',
      ]);
      expect(await roles(e.lab)).toEqual({ sqlserver: 'PRIMARY', mi: 'SECONDARY' });
      expect(await query(e.lab, 'sqlserver', HEALTH_SQL)).toEqual([{ health: 'HEALTHY', connected: 'CONNECTED' }]);
      // The build was read before the first change.
      const log = e.lab.statementLog();
      const build = log.findIndex((s) => /ProductBuild/.test(s.text));
      const firstChange = log.findIndex((s) => /^BACKUP/.test(s.text));
      expect(build).toBeGreaterThanOrEqual(0);
      expect(build).toBeLessThan(firstChange);
    });
  }, 90_000);

  test.concurrent('split-brain-recovery failover_after=true refuses before any change on a build older than 2022 CU13', async () => {
    await withLab('split-brain', async (e) => {
      e.lab.world.setWorkload('SQL01', 0);
      e.lab.world.instance('SQL01').productVersion = '16.0.4100.1';
      const r = await expectUnchanged(e, 'split-brain-recovery', { ...PARAMS['split-brain-recovery']!, failover_after: 'true' }, 'refused');
      expect(r.step).toBe('old_build');
    });
  }, 90_000);

  test.concurrent('split-brain-recovery failover_after=true: the kept side still writing → split brain resolved, no FAILOVER, outcome manual', async () => {
    await withLab('split-brain', async (e) => {
      e.lab.world.setWorkload('SQL01', 0);
      const r = await runUnattended(e, 'split-brain-recovery', { ...PARAMS['split-brain-recovery']!, failover_after: 'true' });
      expect(r.outcome, `${r.message}\n${ROUTE(r)}`).toBe('manual');
      expect(r.step).toBe('kept_writes_running');
      expect(executed(e.lab, /FAILOVER/)).toEqual([]);
      expect(await roles(e.lab)).toEqual({ sqlserver: 'SECONDARY', mi: 'PRIMARY' });
    });
  }, 90_000);

  test.concurrent('split-brain-recovery refuses, changing nothing, while the side to demote keeps committing', async () => {
    await withLab('split-brain', async (e) => {
      const r = await expectUnchanged(e, 'split-brain-recovery', PARAMS['split-brain-recovery']!, 'refused');
      expect(r.step).toBe('writes_running');
      expect(await roles(e.lab)).toEqual({ sqlserver: 'PRIMARY', mi: 'PRIMARY' });
    });
  }, 90_000);

  test.concurrent('certificate-rotation on cert-expired: new cert, trusted by the MI through ARM first, switched, healed, old trust removed, old cert dropped', async () => {
    await withLab('cert-expired', async (e) => {
      const params = PARAMS['certificate-rotation']!;
      const r = await runUnattended(e, 'certificate-rotation', params);
      expect(r.outcome, `${r.message}\n${ROUTE(r)}`).toBe('fixed');
      expect(changes(e.lab).map((s) => `${s.instance}: ${s.text.split(' ').slice(0, 3).join(' ')}`)).toEqual([
        'SQL01: CREATE CERTIFICATE [SQL01_Link_Cert_2027]',
        'SQL01: ALTER ENDPOINT [Hadr_endpoint]',
        'SQL01: DROP CERTIFICATE [SQL01_Link_Cert]',
      ]);
      // [BP] order, the MI side through ARM: upload the new public key before the switch, remove the old trust after.
      expect(armChanges(e.lab)).toEqual([
        expect.stringMatching(/^PUT .*\/serverTrustCertificates\/SQL01_Link_Cert_2027$/),
        expect.stringMatching(/^DELETE .*\/serverTrustCertificates\/SQL01_Link_Cert$/),
      ]);
      const route = r.route.map((x) => x.step);
      expect(route.indexOf('upload_trust')).toBeLessThan(route.findIndex((x) => x.startsWith('switch_endpoint')));
      expect(route.indexOf('mi_trust_now')).toBeLessThan(route.findIndex((x) => x.startsWith('switch_endpoint')));
      const endpoint = await query(e.lab, 'sqlserver', `SELECT c.name AS cert FROM sys.database_mirroring_endpoints e JOIN sys.certificates c ON e.certificate_id = c.certificate_id WHERE e.name = 'Hadr_endpoint'`);
      expect(endpoint).toEqual([{ cert: 'SQL01_Link_Cert_2027' }]);
      expect(await query(e.lab, 'sqlserver', `SELECT name FROM master.sys.certificates WHERE name = 'SQL01_Link_Cert'`)).toEqual([]);
      expect(await query(e.lab, 'sqlserver', HEALTH_SQL)).toEqual([{ health: 'HEALTHY', connected: 'CONNECTED' }]);
      expect(e.lab.world.instance('mi-lab').trustCertificates.map((t) => t.name)).toEqual(['SQL01_Link_Cert_2027']);
      await expectRerunIsNoop(e, 'certificate-rotation', params, ['fixed', 'nothing-to-do']);
    });
  }, 90_000);

  test.concurrent('certificate-rotation uploads the trust through ARM itself; a copy in the MI\'s sys.certificates does not count as trust', async () => {
    await withLab('cert-expired', async (e) => {
      const params = PARAMS['certificate-rotation']!;
      // Someone imported the old certificate on the MI with T-SQL: that is not a server trust certificate.
      const old = e.lab.world.instance('SQL01').certificates.find((c) => c.name === 'SQL01_Link_Cert')!;
      e.lab.world.instance('mi-lab').certificates.push({ ...old, certificateId: 900, name: 'Imported_By_Hand', pvtKeyEncryptionType: 'NA' });
      const r = await runUnattended(e, 'certificate-rotation', params);
      expect(r.outcome, `${r.message}\n${ROUTE(r)}`).toBe('fixed');
      expect(armChanges(e.lab)[0]).toMatch(/^PUT .*\/serverTrustCertificates\/SQL01_Link_Cert_2027$/);
    });
  }, 90_000);

  test.concurrent('premature-log-truncation on log-truncation: names LSBackup_Sales (not the copy-only backup), drops the link on the MI, then on SQL01; stops while Sales is left on the MI', async () => {
    await withLab('log-truncation', async (e) => {
      // A copy-only log backup during seeding does not truncate the log: it must not be counted [TS].
      const sql01 = e.lab.world.instance('SQL01');
      recordBackup(e.lab.world, sql01, { database: 'Sales', type: 'L', at: e.lab.world.now() - 14_000_000, name: 'Adhoc_CopyOnly', isCopyOnly: true, device: 'D:\\b\\adhoc.trn' });
      const r = await runUnattended(e, 'premature-log-truncation', PARAMS['premature-log-truncation']!);
      // The dropped link left Sales on mi-lab: re-creating the link needs it gone, so the run stops there.
      expect(r.outcome, `${r.message}\n${ROUTE(r)}`).toBe('manual');
      expect(r.step).toBe('mi_database_left');
      expect(r.message).toMatch(/TRACEON \(12381, -1\)/);
      expect(changes(e.lab).map((s) => `${s.instance}: ${s.text}`)).toEqual(['SQL01: DROP AVAILABILITY GROUP [SalesLink]']);
      expect(armChanges(e.lab)).toEqual([expect.stringMatching(/^DELETE .*\/distributedAvailabilityGroups\/SalesLink$/)]);
      const dag = `SELECT name FROM sys.availability_groups WHERE is_distributed = 1 AND name = 'SalesLink'`;
      expect(await query(e.lab, 'sqlserver', dag)).toEqual([]);
      expect(await query(e.lab, 'mi', dag)).toEqual([]);
      expect(await query(e.lab, 'sqlserver', `SELECT name FROM sys.availability_groups WHERE name = 'AG_Sales'`)).toEqual([{ name: 'AG_Sales' }]);
      // Read by its check, then again immediately before each of the two drops it is evidence for
      // (fresh evidence at the prompt).
      const evidence = auditRecords(e, 'statement', 'log_backups');
      expect(evidence).toHaveLength(3);
      expect((evidence[0]!.outcome as { rowCount: number }).rowCount).toBe(4);
      // The AG's replicas and backup preference were read (log backups may run on another replica).
      expect(auditRecords(e, 'statement', 'ag_replicas')).toHaveLength(3); // its check, then fresh before each drop
      await expectRerunIsNoop(e, 'premature-log-truncation', PARAMS['premature-log-truncation']!, ['nothing-to-do']);
    });
  }, 90_000);

  test.concurrent('link-failover on healthy: synchronous commit, LSNs settle, planned failover to the MI', async () => {
    await withLab('healthy', async (e) => {
      e.lab.world.setWorkload('SQL01', 0); // the workload is stopped, as the runbook asks
      const params = PARAMS['link-failover']!;
      const r = await runUnattended(e, 'link-failover', params);
      expect(r.outcome, `${r.message}\n${ROUTE(r)}`).toBe('fixed');
      expect(changes(e.lab).map((s) => `${s.instance}: ${s.text.replace(/\s+/g, ' ').slice(0, 60)}`)).toEqual([
        'SQL01: ALTER AVAILABILITY GROUP [SalesLink] MODIFY AVAILABILITY GRO',
        'SQL01: ALTER AVAILABILITY GROUP [SalesLink] FAILOVER',
      ]);
      expect(armChanges(e.lab)).toEqual([expect.stringMatching(/^PATCH .*\/distributedAvailabilityGroups\/SalesLink$/)]);
      expect(await roles(e.lab)).toEqual({ sqlserver: 'SECONDARY', mi: 'PRIMARY' });
      expect(await query(e.lab, 'mi', HEALTH_SQL)).toEqual([{ health: 'HEALTHY', connected: 'CONNECTED' }]);
      await expectRerunIsNoop(e, 'link-failover', params, ['nothing-to-do']);
    });
  }, 90_000);

  test.concurrent('link-failover refuses, before any change, a one-way failover to an AlwaysUpToDate MI unless acknowledged [CFG]', async () => {
    await withLab('healthy', async (e) => {
      e.lab.world.setWorkload('SQL01', 0);
      setDatabaseFormat(e.lab.world, 'mi-lab', 'AlwaysUpToDate');
      const r = await expectUnchanged(e, 'link-failover', PARAMS['link-failover']!, 'refused');
      expect(r.step).toBe('one_way_refused');
      // The update policy was read from ARM (managedInstances GET) before anything else could change.
      expect(e.lab.arm.requests.some((q) => q.method === 'GET' && /managedInstances\/[^/]+$/.test(q.path))).toBe(true);
      const ok = await runUnattended(e, 'link-failover', { ...PARAMS['link-failover']!, one_way_ok: 'true' }, { name: 'ack' });
      expect(ok.outcome, `${ok.message}\n${ROUTE(ok)}`).toBe('fixed');
      expect(await roles(e.lab)).toEqual({ sqlserver: 'SECONDARY', mi: 'PRIMARY' });
    });
  }, 90_000);

  test.concurrent('link-failover refuses a build older than SQL Server 2022 CU13 before any change', async () => {
    await withLab('healthy', async (e) => {
      e.lab.world.setWorkload('SQL01', 0);
      e.lab.world.instance('SQL01').productVersion = '16.0.4115.5';
      const r = await expectUnchanged(e, 'link-failover', PARAMS['link-failover']!, 'refused');
      expect(r.step).toBe('old_build');
    });
  }, 90_000);

  test.concurrent('link-failover back to SQL Server 2022: no switch to synchronous commit [FO]; refused with a mismatched update policy', async () => {
    await withLab('healthy', async (e) => {
      e.lab.world.setWorkload('SQL01', 0);
      const there = await runUnattended(e, 'link-failover', PARAMS['link-failover']!);
      expect(there.outcome, `${there.message}\n${ROUTE(there)}`).toBe('fixed');
      const back = { ...PARAMS['link-failover']!, to: 'sqlserver' };
      setDatabaseFormat(e.lab.world, 'mi-lab', 'AlwaysUpToDate');
      const before = e.lab.statementLog().length;
      const armBefore = e.lab.arm.requests.length;
      const refused = await runUnattended(e, 'link-failover', back, { name: 'mismatch' });
      expect(refused.outcome).toBe('refused');
      expect(refused.step).toBe('format_mismatch');
      expect(changes(e.lab, before)).toEqual([]);
      expect(armChanges(e.lab, armBefore)).toEqual([]);
      setDatabaseFormat(e.lab.world, 'mi-lab', 'SQLServer2022');
      const from = e.lab.statementLog().length;
      const armFrom = e.lab.arm.requests.length;
      const r = await runUnattended(e, 'link-failover', back, { name: 'back' });
      expect(r.outcome, `${r.message}\n${ROUTE(r)}`).toBe('fixed');
      expect(changes(e.lab, from).map((x) => `${x.instance}: ${x.text.replace(/\s+/g, ' ')}`)).toEqual(['mi-lab: ALTER AVAILABILITY GROUP [SalesLink] FAILOVER']);
      expect(armChanges(e.lab, armFrom)).toEqual([]);
      expect(await roles(e.lab)).toEqual({ sqlserver: 'PRIMARY', mi: 'SECONDARY' });
    });
  }, 90_000);

  test.concurrent('flow-control-tuning on flow-control: transport gate diagnosed, only documented remediations, nothing changed', async () => {
    await withLab('flow-control', async (e) => {
      const r = await expectUnchanged(e, 'flow-control-tuning', PARAMS['flow-control-tuning']!, 'diagnosed');
      expect(r.exitCode).toBe(0);
      expect(r.step).toBe('transport_gate');
      expect(r.message).toContain('12310');
      expect(r.message).not.toMatch(/1024|packet size/i);
      // The waits are sampled twice on the primary, an interval apart (not "since startup").
      expect(executed(e.lab, /HADR_TRANSPORT_FLOW_CONTROL/).filter((s) => s.instance === 'SQL01')).toHaveLength(2);
    });
  }, 90_000);

  test.concurrent('seeding-monitor on slow-seeding: warns that seeding cannot finish within 6 days, read-only', async () => {
    await withLab('slow-seeding', async (e) => {
      const r = await expectUnchanged(e, 'seeding-monitor', PARAMS['seeding-monitor']!, 'manual');
      expect(r.step).toBe('too_slow');
    });
  }, 90_000);
});
