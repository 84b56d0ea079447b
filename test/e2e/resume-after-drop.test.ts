/**
 * Each runbook that changes something survives a dropped connection (the lab's drop-connections
 * fault) injected just before its first destructive step and while that step's statement is in
 * flight: the run stops resumable (or carries on over a fresh connection), `agmedic resume`
 * completes it, and the lab's statement log shows the destructive statement took effect exactly
 * once. flow-control-tuning and seeding-monitor change nothing; a drop while flow-control-tuning
 * measures must still leave a run that finishes its diagnosis.
 */
import { describe, expect, test } from 'vitest';
import { addTrustCertificate, removeTrustCertificate } from '../../src/lab/model/link-api.js';
import { armChanges, auditRecords, changes, executed, journalsText, query, resumeRun, roles, runUnattended, startE2eLab, until, type E2eLab, type RunJson } from './helpers.js';

interface Case {
  runbook: string;
  scenario: string;
  params: Record<string, string>;
  /** The first destructive step, and the target its statement goes to. */
  step: string;
  target: 'sqlserver' | 'mi';
  statement: RegExp;
  /** A destructive step before `step` that does not go through T-SQL (the ARM delete), if any. */
  before?: string;
  /** Requests that changed the link resource (ARM) in a complete run. */
  armChanges?: number;
  outcome: string;
  /** What the operator does on the lab (before the run, or when asked). */
  operator?: (e: E2eLab) => void;
  /** Independent SQL: the incident is gone. */
  fixed: (e: E2eLab) => Promise<void>;
}

const HEALTH_SQL = `SELECT rs.synchronization_health_desc AS health FROM sys.availability_groups ag
JOIN sys.dm_hadr_availability_replica_states rs ON ag.group_id = rs.group_id
WHERE ag.is_distributed = 1 AND ag.name = 'SalesLink' AND rs.is_local = 0 AND rs.role = 2`;

const CASES: Case[] = [
  {
    runbook: 'split-brain-recovery',
    scenario: 'split-brain',
    params: { link: 'SalesLink', keep: 'managedInstance', backup_path: 'D:\\Backup\\Sales_splitbrain.trn' },
    step: 'demote_sqlserver',
    target: 'sqlserver',
    statement: /^ALTER AVAILABILITY GROUP \[SalesLink\] SET \(ROLE = SECONDARY\)$/,
    outcome: 'fixed',
    operator: (e) => e.lab.world.setWorkload('SQL01', 0),
    fixed: async (e) => expect(await roles(e.lab)).toEqual({ sqlserver: 'SECONDARY', mi: 'PRIMARY' }),
  },
  {
    runbook: 'certificate-rotation',
    scenario: 'cert-expired',
    params: { link: 'SalesLink', old_cert: 'SQL01_Link_Cert', new_cert: 'SQL01_Link_Cert_2027', subject: 'SQL01 link endpoint 2027', expiry: '20270601' },
    step: 'switch_endpoint_negotiate',
    target: 'sqlserver',
    statement: /^ALTER ENDPOINT \[Hadr_endpoint\]/,
    outcome: 'fixed',
    operator: (e) => {
      void until('the upload prompt', () => auditRecords(e, 'prompt', 'upload_trust').length > 0, 60_000).then(() => {
        const cert = e.lab.world.instance('SQL01').certificates.find((c) => c.name === 'SQL01_Link_Cert_2027')!;
        addTrustCertificate(e.lab.world, 'mi-lab', cert.name, cert.publicKey);
      });
      void until('the removal prompt', () => auditRecords(e, 'prompt', 'remove_old_trust').length > 0, 60_000).then(() => removeTrustCertificate(e.lab.world, 'mi-lab', 'SQL01_Link_Cert'));
    },
    fixed: async (e) => {
      const ep = await query(e.lab, 'sqlserver', `SELECT c.name AS cert FROM sys.database_mirroring_endpoints e JOIN sys.certificates c ON e.certificate_id = c.certificate_id`);
      expect(ep).toEqual([{ cert: 'SQL01_Link_Cert_2027' }]);
      expect(await query(e.lab, 'sqlserver', HEALTH_SQL)).toEqual([{ health: 'HEALTHY' }]);
    },
  },
  {
    runbook: 'premature-log-truncation',
    scenario: 'log-truncation',
    params: { link: 'SalesLink' },
    step: 'drop_dag_sqlserver',
    before: 'drop_link_mi',
    armChanges: 1,
    target: 'sqlserver',
    statement: /^DROP AVAILABILITY GROUP \[SalesLink\]$/,
    outcome: 'manual',
    fixed: async (e) => {
      const dag = `SELECT name FROM sys.availability_groups WHERE is_distributed = 1`;
      expect([...(await query(e.lab, 'sqlserver', dag)), ...(await query(e.lab, 'mi', dag))]).toEqual([]);
    },
  },
  {
    runbook: 'link-failover',
    scenario: 'healthy',
    params: { link: 'SalesLink', to: 'managedInstance', sql_ag: 'AG_Sales', mi_ag: 'AG_Sales_MI' },
    step: 'failover_from_sqlserver',
    armChanges: 1,
    target: 'sqlserver',
    statement: /^ALTER AVAILABILITY GROUP \[SalesLink\] FAILOVER$/,
    outcome: 'fixed',
    operator: (e) => e.lab.world.setWorkload('SQL01', 0),
    fixed: async (e) => expect(await roles(e.lab)).toEqual({ sqlserver: 'SECONDARY', mi: 'PRIMARY' }),
  },
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const started = (e: E2eLab, step: string) => auditRecords(e, 'step', step).some((r) => r.phase === 'start');
const intentOf = (e: E2eLab, step: string) => journalsText(e).includes(`"type":"intent","key":"${step}#`);

/** Finishes an interrupted run with `agmedic resume`; a run that carried on by itself is returned as is. */
async function finish(e: E2eLab, first: RunJson, expected: string): Promise<RunJson> {
  if (first.outcome === expected) return first;
  expect(first.exitCode, `${first.outcome}: ${first.message}`).not.toBe(0);
  return resumeRun(e, first.runId);
}

describe.each(CASES)('$runbook: connection dropped around $step', (c) => {
  test.concurrent('before the step sends anything: the run completes, the statement takes effect once', async () => {
    const e = await startE2eLab(c.scenario);
    try {
      c.operator?.(e);
      // Every statement takes 100 ms, so the drop lands on one of the step's re-check queries.
      e.lab.control.delayStatements('sqlserver', 100);
      e.lab.control.delayStatements('mi', 100);
      const running = runUnattended(e, c.runbook, c.params);
      await until(`step ${c.before ?? c.step} to start`, () => started(e, c.before ?? c.step), 60_000);
      expect(intentOf(e, c.before ?? c.step), 'the drop must come before the destructive statement').toBe(false);
      e.lab.control.dropConnections('sqlserver');
      e.lab.control.dropConnections('mi');
      e.lab.control.delayStatements('sqlserver', 0);
      e.lab.control.delayStatements('mi', 0);
      const first = await running;
      const last = await finish(e, first, c.outcome);
      expect(last.outcome, `${last.message} ${last.code ?? ''}`).toBe(c.outcome);
      expect(executed(e.lab, c.statement)).toHaveLength(1);
      expect(armChanges(e.lab)).toHaveLength(c.armChanges ?? 0);
      await c.fixed(e);
    } finally {
      await e.close();
    }
  }, 90_000);

  test.concurrent('while its statement is in flight: in doubt, resume lets verify decide, the statement takes effect once', async () => {
    const e = await startE2eLab(c.scenario);
    try {
      c.operator?.(e);
      const running = runUnattended(e, c.runbook, c.params);
      await until(`step ${c.step} to start`, () => started(e, c.step), 60_000);
      e.lab.control.delayStatements(c.target, 1500);
      await until(`the intent of ${c.step}`, () => intentOf(e, c.step), 60_000);
      // mssql checks a pooled connection (SELECT 1) before it sends the statement: once that check
      // is through, the statement itself is the one waiting inside the lab.
      const seen = e.lab.statementLog().length;
      const instance = c.target === 'sqlserver' ? 'SQL01' : 'mi-lab';
      // A brand-new pooled connection is not checked: then the statement is already in flight.
      await until('the pool check before the statement', () => e.lab.statementLog().slice(seen).some((s) => s.instance === instance && s.text === 'SELECT 1'), 1_800).then(
        () => sleep(300),
        () => undefined,
      );
      e.lab.control.dropConnections(c.target);
      e.lab.control.delayStatements(c.target, 0); // a statement keeps the delay it arrived with
      const first = await running;
      // Usually the drop hits the statement itself (intent journalled, outcome unknown: in doubt);
      // when the pool's timing puts it on the step's verify instead, the outcome is known.
      const hit = new RegExp(`"key":"${c.step}#1@${c.target}","at":"[^"]+","status":"cancelled"`).test(journalsText(e));
      await sleep(1500); // whatever the lab was executing when the client vanished has settled
      if (hit) expect(first.code).toBe('CONNECT_FAILED');
      const last = await finish(e, first, c.outcome);
      expect(last.outcome, `${last.message} ${last.code ?? ''}`).toBe(c.outcome);
      expect(last.inDoubt).toEqual(hit ? [{ step: c.step, target: c.target, resolution: expect.stringMatching(/^(done|not-done)$/) }] : []);
      expect(executed(e.lab, c.statement)).toHaveLength(1);
      expect(armChanges(e.lab)).toHaveLength(c.armChanges ?? 0);
      await c.fixed(e);
    } finally {
      await e.close();
    }
  }, 90_000);
});

describe('a read-only runbook', () => {
  test.concurrent('flow-control-tuning: a drop while it measures leaves it resumable; it still diagnoses, changing nothing', async () => {
    const e = await startE2eLab('flow-control');
    try {
      const running = runUnattended(e, 'flow-control-tuning', { link: 'SalesLink', interval: '60s' });
      await until('the measurement to start', () => started(e, 'measure'), 60_000);
      e.lab.control.delayStatements('sqlserver', 300); // so the drop lands on a poll in flight
      await sleep(150);
      e.lab.control.dropConnections('sqlserver');
      e.lab.control.delayStatements('sqlserver', 0);
      const last = await finish(e, await running, 'diagnosed');
      expect(last.outcome, `${last.message} ${last.code ?? ''}`).toBe('diagnosed');
      expect(last.step).toBe('transport_gate');
      expect(changes(e.lab)).toEqual([]);
      expect(armChanges(e.lab)).toEqual([]);
    } finally {
      await e.close();
    }
  }, 90_000);
});
