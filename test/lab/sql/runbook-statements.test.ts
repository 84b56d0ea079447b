/**
 * Every statement of every shipped runbook runs on the lab as the runtime would send it: rendered with
 * renderSqlTemplate, values bound as sp_executesql parameters, on the target's instance, in the
 * scenarios where the runbook sends it. Read-only queries must succeed and return every column the
 * runbook's CEL reads; changes must fail only with SQL Server's semantic errors, never "unsupported".
 * The walkthroughs then follow each runbook's happy path, evaluating its own CEL on the lab's rows.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SqlEngine, SqlParam, SqlValue } from '../../../src/lab/engine-types.js';
import { addTrustCertificate, armDelete, armUpdate, removeTrustCertificate } from '../../../src/lab/model/link-api.js';
import { SCENARIOS } from '../../../src/lab/scenarios/load-scenario.js';
import { loadRunbook } from '../../../src/runbook/load-runbook.js';
import type { Runbook, Step } from '../../../src/runbook/schema.js';
import { parseSqlTemplate, renderSqlTemplate } from '../../../src/runbook/sql-template.js';
import { celExpressions, evalCel, RUNBOOKS_DIR, shippedFiles } from '../../runbooks/helpers.js';
import { errorsOf, lab, rowsOf, run, session, type Lab } from './helpers.js';

/** Errors that mean "the lab (or the runbook) does not speak this T-SQL", never a state the runbook must handle. */
const UNSUPPORTED = new Set([102, 105, 137, 155, 156, 195, 207, 208, 243, 245, 281, 2526, 2812, 4104, 8114, 8115]);
const PARTS = ['check', 'action', 'verify', 'wait'] as const;
type Part = (typeof PARTS)[number];
type Facts = Record<string, Record<string, Record<string, unknown>[]>>;

const REPRESENTATIVE: Record<string, unknown> = {
  link: 'SalesLink', database: 'Sales', endpoint: 'Hadr_endpoint', old_cert: 'SQL01_Link_Cert', new_cert: 'SQL01_Link_Cert_2026',
  subject: 'SQL01 MI link endpoint 2026', expiry: '20270601', within: 30, force: false, sql_ag: 'AG_Sales', mi_ag: 'AG_Sales_MI',
  backup_path: 'D:\\Backup\\Sales_splitbrain.trn', backup_url: 'https://labbackups.blob.core.windows.net/splitbrain/Sales_copyonly.bak',
  interval: '60s', threshold_ms_per_s: 100, redo_lag_s: 60, to: 'managedInstance', keep: 'managedInstance', timeout: '144h', back_to_async: false,
};
/** Values for `bind` entries computed from facts, when a query runs outside a walkthrough. */
const BIND_STAND_INS: Record<string, unknown> = { since_s: 800_000_000, new_thumbprint: '0x00', old_thumbprint: '0x00' };

function loadShipped(file: string): Runbook {
  const loaded = loadRunbook({ name: file, text: readFileSync(join(RUNBOOKS_DIR, file), 'utf8') });
  if (!loaded.runbook) throw new Error(`${file}: ${loaded.diagnostics.map((d) => d.message).join('; ')}`);
  return loaded.runbook;
}

function sqlType(v: unknown): SqlParam['type'] {
  if (typeof v === 'number') return Number.isInteger(v) ? (Math.abs(v) < 2 ** 31 ? { name: 'int' } : { name: 'bigint' }) : { name: 'float' };
  if (typeof v === 'boolean') return { name: 'bit' };
  if (v instanceof Date) return { name: 'datetime2', scale: 7 };
  return { name: 'nvarchar', length: 4000 };
}

const engineFor = (l: Lab, target: string): SqlEngine => (target === 'mi' ? l.mi : l.sql);
const targetsOf = (on: string | string[]): string[] => (Array.isArray(on) ? on : [on]);

/** Renders and runs one query of a step on one target, binding params and `bind` CEL as the runtime does. */
async function send(l: Lab, step: Step, part: Part, target: string, params: Record<string, unknown>, facts?: Facts) {
  const q = step[part]!;
  const t = parseSqlTemplate(q.sql!);
  const text = renderSqlTemplate(t, Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])));
  const bound = t.boundNames.map((name): SqlParam => {
    const expr = q.bind?.[name];
    const value = expr !== undefined ? (facts ? evalCel(expr, { params, facts }) : BIND_STAND_INS[name]) : params[name];
    if (value === undefined) throw new Error(`${step.id}.${part}: no value for @${name}`);
    return { name, type: sqlType(value), value: value as SqlValue };
  });
  return run(engineFor(l, target), text, { kind: 'rpc', params: bound, session: session() });
}

/** Columns the runbook's CEL reads from a query's rows: rows[i].col, macros over rows, facts.<step>.<role>[i].col. */
function columnsRead(rb: Runbook, step: Step, part: Part): Set<string> {
  const cols = new Set<string>();
  const exprs: string[] = [];
  const q = step[part]!;
  if ('expect' in q && typeof q.expect === 'string') exprs.push(q.expect);
  if (part === 'wait' && step.wait) exprs.push(step.wait.until, step.wait.progress?.value ?? '', step.wait.progress?.total ?? '');
  const own = (e: string, base: string): void => {
    for (const m of e.matchAll(new RegExp(`${base}\\[\\d+\\]\\.(\\w+)`, 'g'))) cols.add(m[1]!);
    for (const m of e.matchAll(new RegExp(`${base}\\.(?:exists|all|exists_one|filter|map)\\(\\s*(\\w+)\\s*,`, 'g'))) {
      for (const c of e.matchAll(new RegExp(`\\b${m[1]}\\.(\\w+)`, 'g'))) cols.add(c[1]!);
    }
  };
  for (const e of exprs) own(e, 'rows');
  // facts.<step> holds a check's or a wait's rows.
  if (part === 'check' || part === 'wait') for (const { expr } of celExpressions(rb)) own(expr, `facts\\.${step.id}\\.\\w+`);
  return cols;
}

function queries(rb: Runbook): { step: Step; part: Part }[] {
  return rb.steps.flatMap((step) => PARTS.filter((part) => step[part]?.sql !== undefined).map((part) => ({ step, part })));
}

describe.each(shippedFiles())('%s: every statement runs on the lab', (file) => {
  const rb = loadShipped(file);
  const params = { ...REPRESENTATIVE };

  it.each([...SCENARIOS])('read-only queries in %s succeed and return the columns the CEL reads', async (scenario) => {
    const l = lab(scenario);
    for (const { step, part } of queries(rb).filter((x) => x.part !== 'action')) {
      for (const target of targetsOf(step[part]!.on)) {
        const out = await send(l, step, part, target, params);
        expect(errorsOf(out), `${step.id}.${part} on ${target}`).toEqual([]);
        const rs = out.find((o) => o.kind === 'resultSet');
        expect(rs, `${step.id}.${part} on ${target} returns a result set`).toBeDefined();
        const names = rs!.kind === 'resultSet' ? rs!.columns.map((c) => c.name) : [];
        for (const col of columnsRead(rb, step, part)) expect(names, `${step.id}.${part} on ${target} column ${col}`).toContain(col);
        expect(names.every((n) => n !== ''), `${step.id}.${part}: every column is named`).toBe(true);
      }
    }
  });

  it.each([...SCENARIOS])('changes in %s parse and fail only with SQL Server rule errors', async (scenario) => {
    for (const { step, part } of queries(rb).filter((x) => x.part === 'action')) {
      for (const target of targetsOf(step.action!.on)) {
        const out = await send(lab(scenario), step, part, target, params);
        for (const n of errorsOf(out)) expect(UNSUPPORTED.has(n), `${step.id} on ${target}: error ${n}`).toBe(false);
      }
    }
  });
});

/** A walkthrough: runs steps in order on one lab, keeping facts as the runtime does. */
class Walk {
  readonly facts: Facts = {};
  constructor(
    readonly l: Lab,
    readonly rb: Runbook,
    readonly params: Record<string, unknown>,
  ) {}
  step(id: string): Step {
    const s = this.rb.steps.find((x) => x.id === id);
    if (!s) throw new Error(`no step ${id}`);
    return s;
  }
  /** Runs the step's query (check/wait/verify) on its targets, stores facts, returns rows by target. */
  async query(id: string, part: Part = this.step(id).check ? 'check' : this.step(id).wait ? 'wait' : 'verify'): Promise<Record<string, Record<string, unknown>[]>> {
    const s = this.step(id);
    const byTarget: Record<string, Record<string, unknown>[]> = {};
    for (const target of targetsOf(s[part]!.on)) {
      const out = await send(this.l, s, part, target, this.params, this.facts);
      expect(errorsOf(out), `${id}.${part} on ${target}`).toEqual([]);
      byTarget[target] = out.some((o) => o.kind === 'resultSet') ? rowsOf(out) : [];
    }
    if (part === 'check' || part === 'wait') this.facts[id] = byTarget;
    return byTarget;
  }
  /** The step's expect (check/verify) or until (wait) on every target. */
  async holds(id: string, part: Part = this.step(id).check ? 'check' : this.step(id).wait ? 'wait' : 'verify'): Promise<boolean> {
    const rows = await this.query(id, part);
    const s = this.step(id);
    const expr = part === 'wait' ? s.wait!.until : (s[part] as { expect?: string }).expect;
    if (!expr) throw new Error(`${id}.${part} has no condition`);
    return Object.entries(rows).every(([target, r]) => evalCel(expr, { params: this.params, facts: this.facts, rows: r, target }) === true);
  }
  async act(id: string): Promise<number[]> {
    const s = this.step(id);
    const errs: number[] = [];
    for (const target of targetsOf(s.action!.on)) errs.push(...errorsOf(await send(this.l, s, 'action', target, this.params, this.facts)));
    return errs;
  }
  cel(expr: string): unknown {
    return evalCel(expr, { params: this.params, facts: this.facts });
  }
}

describe('walkthroughs: each runbook on the scenario it fixes', () => {
  it('split-brain-recovery, keep=managedInstance: backup, demote SQL01, it resynchronizes; optional FAILOVER swaps roles', async () => {
    const l = lab('split-brain');
    const w = new Walk(l, loadShipped('split-brain-recovery.yaml'), { ...REPRESENTATIVE, keep: 'managedInstance', failover_after: true });
    expect(await w.holds('roles')).toBe(true);
    await w.query('link_state');
    expect(w.cel(w.step('not_split').when!)).toBe(false);
    expect(await w.holds('divergence')).toBe(true);
    expect(w.facts.divergence!.sqlserver![0]!.last_hardened_lsn).not.toBe(w.facts.divergence!.mi![0]!.last_hardened_lsn);
    expect(typeof w.facts.divergence!.sqlserver![0]!.last_hardened_lsn).toBe('string');
    expect(await w.holds('build')).toBe(true);
    expect((await w.query('sqlserver_backup')).sqlserver).toEqual([]);
    // The runbook tells the DBA to stop the application's writes on the side being demoted first.
    l.world.setWorkload('SQL01', 0);
    l.world.advance(1_000);
    expect(await w.act('backup_sqlserver')).toEqual([]);
    expect(await w.holds('backup_sqlserver', 'verify')).toBe(true);
    expect((await w.query('sqlserver_backup')).sqlserver).toHaveLength(1);
    expect(w.cel(w.step('demote_sqlserver').requires!)).toBe(true);
    expect(await w.act('demote_sqlserver')).toEqual([]);
    expect(await w.holds('demote_sqlserver', 'verify')).toBe(true);
    l.world.advance(20_000);
    expect(await w.holds('wait_resync_mi')).toBe(true);
    expect(await w.holds('final_roles')).toBe(true);
    expect(await w.holds('final_health')).toBe(true);
    // The optional FAILOVER: with the MI's application still writing, the re-read refuses it.
    await w.query('commit_before_kept');
    l.world.advance(10_000);
    expect(await w.holds('resynced')).toBe(false);
    l.world.setWorkload('mi-lab', 0);
    l.world.advance(1_000);
    await w.query('commit_before_kept');
    l.world.advance(10_000);
    expect(await w.holds('resynced')).toBe(true);
    expect(await w.holds('converged_mi')).toBe(true);
    expect(w.cel(w.step('failover_from_mi').requires!)).toBe(true);
    expect(await w.act('failover_from_mi')).toEqual([]);
    expect(await w.holds('failover_from_mi', 'verify')).toBe(true);
    l.world.advance(20_000);
    expect(await w.holds('wait_swapped')).toBe(true);
    expect(await w.holds('swapped_roles')).toBe(true);
  });

  it('split-brain-recovery, keep=sqlserver: copy-only backup to URL on mi-lab, demote it; SQL01 stays PRIMARY', async () => {
    const l = lab('split-brain');
    const w = new Walk(l, loadShipped('split-brain-recovery.yaml'), { ...REPRESENTATIVE, keep: 'sqlserver' });
    await w.query('roles');
    await w.query('divergence');
    expect((await w.query('mi_backup')).mi).toEqual([]);
    l.world.setWorkload('mi-lab', 0);
    l.world.advance(1_000);
    expect(await w.act('backup_mi')).toEqual([]);
    expect(await w.holds('backup_mi', 'verify')).toBe(true);
    await w.query('mi_backup');
    expect(w.cel(w.step('demote_mi').requires!)).toBe(true);
    expect(await w.act('demote_mi')).toEqual([]);
    expect(await w.holds('demote_mi', 'verify')).toBe(true);
    l.world.advance(20_000);
    expect(await w.holds('wait_resync_sqlserver')).toBe(true);
    expect(await w.holds('final_roles')).toBe(true);
    expect(await w.holds('final_health')).toBe(true);
  });

  it('certificate-rotation on cert-expired: new cert, trust on the MI first, switch, heal, retire the old one', async () => {
    const l = lab('cert-expired');
    const w = new Walk(l, loadShipped('certificate-rotation.yaml'), { ...REPRESENTATIVE });
    await w.query('endpoint_cert');
    expect(w.facts.endpoint_cert!.sqlserver![0]!.days_left as number).toBeLessThan(0);
    expect(w.facts.endpoint_cert!.sqlserver![0]!.thumbprint).toMatch(/^0x[0-9A-F]{40}$/);
    expect(await w.holds('new_expiry')).toBe(true);
    expect(await w.holds('master_key')).toBe(true);
    expect((await w.query('new_cert_state')).sqlserver).toEqual([]);
    expect(await w.act('create_cert')).toEqual([]);
    expect(await w.holds('create_cert', 'verify')).toBe(true);
    expect(await w.holds('public_key')).toBe(true);
    const pk = w.facts.public_key!.sqlserver![0]!;
    expect(pk.public_key).toMatch(/^0x[0-9A-F]+$/);
    // The shared endpoint: no other replica of SQL01's availability groups uses it here.
    expect((await w.query('shared_endpoint')).sqlserver).toEqual([]);
    // The ARM upload (putTrustCertificate; the e2e matrix runs it over HTTPS) as the model sees it.
    addTrustCertificate(l.world, 'mi-lab', 'SQL01_Link_Cert_2026', Buffer.from(String(pk.public_key).slice(2), 'hex'));
    expect(await w.act('switch_endpoint_negotiate')).toEqual([]);
    expect(await w.holds('switch_endpoint_negotiate', 'verify')).toBe(true);
    l.world.advance(5_000);
    expect(await w.holds('wait_healthy')).toBe(true);
    expect(await w.holds('endpoint_now')).toBe(true);
    const old = (await w.query('old_cert_state')).sqlserver![0]!;
    expect(old.public_key).toMatch(/^0x[0-9A-F]+$/);
    expect(removeTrustCertificate(l.world, 'mi-lab', 'SQL01_Link_Cert')).toBe(true);
    expect(await w.holds('old_cert_uses')).toBe(true);
    expect(await w.act('drop_old_cert')).toEqual([]);
    expect(await w.holds('drop_old_cert', 'verify')).toBe(true);
  });

  it('certificate-rotation: switching before the MI trusts the new cert breaks the link with 41973', async () => {
    const l = lab('healthy');
    const w = new Walk(l, loadShipped('certificate-rotation.yaml'), { ...REPRESENTATIVE });
    expect(await w.act('create_cert')).toEqual([]);
    expect(await w.act('switch_endpoint_cert_only')).toEqual([]);
    l.world.advance(2_000);
    expect(await w.holds('wait_healthy')).toBe(false);
    const rs = rowsOf(await run(l.sql, 'SELECT last_connect_error_number FROM sys.dm_hadr_availability_replica_states WHERE is_local = 0'));
    expect(rs).toEqual([{ last_connect_error_number: 41973 }]);
  });

  it('premature-log-truncation on log-truncation: finds the LSBackup_Sales log backups, drops the link on both sides', async () => {
    const l = lab('log-truncation');
    const w = new Walk(l, loadShipped('premature-log-truncation.yaml'), { ...REPRESENTATIVE });
    expect((await w.query('dag_present')).sqlserver).toHaveLength(1);
    const seeding = (await w.query('seeding')).sqlserver!;
    expect(seeding).toMatchObject([{ current_state: 'FAILED', error_code: 1412 }]);
    const backups = (await w.query('log_backups')).sqlserver!;
    expect(backups).toHaveLength(4);
    expect(new Set(backups.map((b) => b.backup_name))).toEqual(new Set(['LSBackup_Sales']));
    expect(backups[0]!.device).toBe('\\\\backup\\Sales_L.bak');
    armDelete(l.world, 'mi-lab', 'SalesLink');
    expect(await w.holds('drop_link_mi', 'verify')).toBe(true);
    expect(await w.act('drop_dag_sqlserver')).toEqual([]);
    expect(await w.holds('drop_dag_sqlserver', 'verify')).toBe(true);
    expect((await w.query('seeding_result')).sqlserver).toEqual([]);
  });

  it('premature-log-truncation: the seeding wait reads progress during a re-seed (slow-seeding)', async () => {
    const l = lab('slow-seeding');
    const w = new Walk(l, loadShipped('premature-log-truncation.yaml'), { ...REPRESENTATIVE });
    const r = (await w.query('wait_seeding')).sqlserver![0]!;
    expect(r.current_state).toBe('SEEDING');
    expect(r.rate_bytes_per_s).toBe(3_145_728);
    expect(r.transferred_bytes as number).toBeLessThan(r.database_bytes as number);
  });

  it('flow-control-tuning on flow-control: SQL Server 2022 gates, trace flags, waits grow over the interval', async () => {
    const l = lab('flow-control');
    const w = new Walk(l, loadShipped('flow-control-tuning.yaml'), { ...REPRESENTATIVE });
    const build = await w.query('build');
    expect(build.sqlserver).toEqual([{ major: 16, version: '16.0.4165.4', engine_edition: 3, transport_gate_messages: 16384, database_gate_messages: 7168 }]);
    expect(build.mi![0]).toMatchObject({ engine_edition: 8, transport_gate_messages: 16384, database_gate_messages: 7168 });
    expect((await w.query('trace_flags')).sqlserver).toEqual([
      { TraceFlag: 12310, Status: 0, Global: 0, Session: 0 },
    ]);
    const before = await w.query('waits_before');
    expect(before.mi).toEqual([]);
    expect(before.sqlserver).toHaveLength(1);
    const queues = (await w.query('queues_before')).sqlserver![0]!;
    expect(queues.log_send_queue_kb as number).toBeGreaterThan(16384 * 4);
    l.world.advance(61_000);
    expect(await w.holds('measure')).toBe(true);
    const after = (await w.query('waits_after')).sqlserver![0]!;
    const b0 = before.sqlserver![0]!;
    expect(after.transport_wait_ms as number).toBeGreaterThan(b0.transport_wait_ms as number);
    expect(after.database_wait_ms as number).toBeGreaterThan(b0.database_wait_ms as number);
    expect((after.sampled_at_s as number) - (b0.sampled_at_s as number)).toBe(61);
  });

  it('link-failover to the MI on healthy: synchronous commit both sides, LSNs match and stay, fail over; the mode reverts to async by itself [BP]', async () => {
    const l = lab('healthy');
    const w = new Walk(l, loadShipped('link-failover.yaml'), { ...REPRESENTATIVE, to: 'managedInstance' });
    expect(await w.holds('roles')).toBe(true);
    expect(await w.holds('build')).toBe(true);
    expect(await w.holds('link_state')).toBe(true);
    expect(await w.holds('replicas')).toBe(true);
    expect(await w.act('sync_sqlserver')).toEqual([]);
    expect(await w.holds('sync_sqlserver', 'verify')).toBe(true);
    armUpdate(l.world, 'mi-lab', 'SalesLink', { replicationMode: 'Sync' });
    expect(await w.holds('sync_mi', 'verify')).toBe(true);
    l.world.setWorkload('SQL01', 0);
    l.world.advance(5_000);
    expect(await w.holds('wait_caught_up')).toBe(true);
    await w.query('lsn_first');
    l.world.advance(10_000);
    expect(await w.holds('settle')).toBe(true);
    await w.query('lsn_second');
    expect(w.facts.lsn_second!.sqlserver![0]!.last_hardened_lsn).toBe(w.facts.lsn_first!.sqlserver![0]!.last_hardened_lsn);
    expect(await w.act('failover_from_sqlserver')).toEqual([]);
    expect(await w.holds('failover_from_sqlserver', 'verify')).toBe(true);
    l.world.advance(5_000);
    expect(await w.holds('wait_healthy')).toBe(true);
    expect(await w.holds('final_roles')).toBe(true);
    expect(await w.holds('final_health')).toBe(true);
    const modes = await w.query('final_modes');
    expect([...modes.sqlserver!, ...modes.mi!].map((r) => r.mode)).toEqual(Array(4).fill('ASYNCHRONOUS_COMMIT'));
  });

  it('seeding-monitor on slow-seeding: progress, ETA past the 6-day limit, shared-bandwidth totals', async () => {
    const l = lab('slow-seeding');
    const w = new Walk(l, loadShipped('seeding-monitor.yaml'), { ...REPRESENTATIVE });
    await w.query('started');
    const s = (await w.query('seeding')).sqlserver![0]!;
    expect(s).toMatchObject({ database_name: 'Sales', current_state: 'SEEDING', is_source: true, internal_state: 'ReadingAndSendingData', rate_bytes_per_s: 3_145_728 });
    expect((s.eta_s as number) + (s.elapsed_s as number)).toBeGreaterThan(6 * 86_400);
    expect(s.elapsed_s).toBe(50_400);
    const totals = (await w.query('totals')).sqlserver![0]!;
    expect(totals.seeding_count).toBe(1);
    expect(totals.shared_eta_s).toBeCloseTo(s.eta_s as number, 0);
    l.world.advance(120_000);
    const watch = (await w.query('wait_complete')).sqlserver![0]!;
    expect(watch.watched_s).toBe(120);
    expect(watch.transferred_bytes as number).toBeGreaterThan(s.transferred_bytes as number);
  });
});
