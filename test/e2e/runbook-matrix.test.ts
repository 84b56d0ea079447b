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
import { addTrustCertificate, removeTrustCertificate } from '../../src/lab/model/link-api.js';
import { SCENARIOS } from '../../src/lab/index.js';
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
  test.concurrent('split-brain-recovery keep=managedInstance on split-brain: backup, demote SQL01, fail over from mi-lab', async () => {
    await withLab('split-brain', async (e) => {
      e.lab.world.setWorkload('SQL01', 0); // the application owner stops writing to the side to demote
      const r = await runUnattended(e, 'split-brain-recovery', PARAMS['split-brain-recovery']!);
      expect(r.outcome, `${r.message}\n${ROUTE(r)}`).toBe('fixed');
      expect(changes(e.lab).map((s) => `${s.instance}: ${s.text.split('\n')[0]}`)).toEqual([
        'SQL01: BACKUP LOG [Sales] TO DISK = @backup_path WITH COPY_ONLY, CHECKSUM',
        'SQL01: ALTER AVAILABILITY GROUP [SalesLink] SET (ROLE = SECONDARY)',
        'mi-lab: ALTER AVAILABILITY GROUP [SalesLink] FAILOVER',
      ]);
      // Independent SQL: one PRIMARY, one SECONDARY, the primary reports the link healthy, the backup is in msdb.
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

  test.concurrent('split-brain-recovery keep=sqlserver on split-brain: copy-only backup on mi-lab, demote it, fail over from SQL01', async () => {
    await withLab('split-brain', async (e) => {
      e.lab.world.setWorkload('mi-lab', 0);
      const params = { link: LINK, keep: 'sqlserver', backup_url: BACKUP_URL };
      const r = await runUnattended(e, 'split-brain-recovery', params);
      expect(r.outcome, `${r.message}\n${ROUTE(r)}`).toBe('fixed');
      expect(changes(e.lab).map((s) => `${s.instance}: ${s.text.split('\n')[0]}`)).toEqual([
        'mi-lab: BACKUP DATABASE [Sales] TO URL = @backup_url WITH COPY_ONLY',
        'mi-lab: ALTER AVAILABILITY GROUP [SalesLink] SET (ROLE = SECONDARY)',
        'SQL01: ALTER AVAILABILITY GROUP [SalesLink] FAILOVER',
      ]);
      expect(await roles(e.lab)).toEqual({ sqlserver: 'PRIMARY', mi: 'SECONDARY' });
      expect(await query(e.lab, 'sqlserver', HEALTH_SQL)).toEqual([{ health: 'HEALTHY', connected: 'CONNECTED' }]);
      await expectRerunIsNoop(e, 'split-brain-recovery', params, ['nothing-to-do']);
    });
  }, 90_000);

  test.concurrent('split-brain-recovery refuses, changing nothing, while the side to demote keeps committing', async () => {
    await withLab('split-brain', async (e) => {
      const r = await expectUnchanged(e, 'split-brain-recovery', PARAMS['split-brain-recovery']!, 'refused');
      expect(r.step).toBe('writes_running');
      expect(await roles(e.lab)).toEqual({ sqlserver: 'PRIMARY', mi: 'PRIMARY' });
    });
  }, 90_000);

  test.concurrent('certificate-rotation on cert-expired: new cert, trusted by the MI first, switched, healed, old one retired', async () => {
    await withLab('cert-expired', async (e) => {
      const params = PARAMS['certificate-rotation']!;
      const sql01 = e.lab.world.instance('SQL01');
      // The DBA, asked by the runbook, uploads the public key with New-AzSqlInstanceServerTrustCertificate …
      const upload = until('the upload prompt', () => auditRecords(e, 'prompt', 'upload_trust').length > 0).then(() => {
        const cert = sql01.certificates.find((c) => c.name === params.new_cert)!;
        addTrustCertificate(e.lab.world, 'mi-lab', params.new_cert!, cert.publicKey);
      });
      // … and later removes the old trust certificate with Remove-AzSqlInstanceServerTrustCertificate.
      const remove = until('the removal prompt', () => auditRecords(e, 'prompt', 'remove_old_trust').length > 0).then(() => {
        expect(removeTrustCertificate(e.lab.world, 'mi-lab', params.old_cert!)).toBe(true);
      });
      const r = await runUnattended(e, 'certificate-rotation', params);
      await Promise.all([upload, remove]);
      expect(r.outcome, `${r.message}\n${ROUTE(r)}`).toBe('fixed');
      expect(changes(e.lab).map((s) => `${s.instance}: ${s.text.split(' ').slice(0, 3).join(' ')}`)).toEqual([
        'SQL01: CREATE CERTIFICATE [SQL01_Link_Cert_2027]',
        'SQL01: ALTER ENDPOINT [Hadr_endpoint]',
        'SQL01: DROP CERTIFICATE [SQL01_Link_Cert]',
      ]);
      const endpoint = await query(e.lab, 'sqlserver', `SELECT c.name AS cert FROM sys.database_mirroring_endpoints e JOIN sys.certificates c ON e.certificate_id = c.certificate_id WHERE e.name = 'Hadr_endpoint'`);
      expect(endpoint).toEqual([{ cert: 'SQL01_Link_Cert_2027' }]);
      expect(await query(e.lab, 'sqlserver', `SELECT name FROM master.sys.certificates WHERE name = 'SQL01_Link_Cert'`)).toEqual([]);
      expect(await query(e.lab, 'sqlserver', HEALTH_SQL)).toEqual([{ health: 'HEALTHY', connected: 'CONNECTED' }]);
      await expectRerunIsNoop(e, 'certificate-rotation', params, ['fixed', 'nothing-to-do']);
    });
  }, 90_000);

  test.concurrent('premature-log-truncation on log-truncation: names LSBackup_Sales, drops the link on the MI, then on SQL01', async () => {
    await withLab('log-truncation', async (e) => {
      const r = await runUnattended(e, 'premature-log-truncation', PARAMS['premature-log-truncation']!);
      // Re-creating the link is a person's job: unattended, the run ends after the drop.
      expect(r.outcome, `${r.message}\n${ROUTE(r)}`).toBe('manual');
      expect(r.step).toBe('recreate_later');
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
