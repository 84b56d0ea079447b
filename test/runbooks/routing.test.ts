/**
 * Routing of the shipped runbooks with hand-written facts: refusals happen before any change, the
 * `keep`/`to` branches reach the right side's steps, and the policy choices of decide steps pick
 * the documented diagnosis. Conditions are evaluated with the project's CEL package, with values
 * typed as the runtime is expected to give them (SQL numbers as doubles, int params as ints,
 * duration params as CEL durations).
 */
import { describe, expect, it } from 'vitest';
import { evalCel, readShipped, step, walk, withDefaults } from './helpers.js';

const role = (r: string) => [{ link_name: 'SalesLink', role: r }];
const remoteHealthy = [
  { side: 'local', role: 'PRIMARY', connected_state: 'CONNECTED', health: 'HEALTHY' },
  { side: 'remote', role: 'SECONDARY', connected_state: 'CONNECTED', health: 'HEALTHY' },
];
const remoteBroken = [
  { side: 'local', role: 'PRIMARY', connected_state: 'CONNECTED', health: 'NOT_HEALTHY' },
  { side: 'remote', role: 'SECONDARY', connected_state: 'DISCONNECTED', health: 'NOT_HEALTHY' },
];
const localSecondary = [{ side: 'local', role: 'SECONDARY', connected_state: 'CONNECTED', health: 'NOT_HEALTHY' }];

describe('split-brain-recovery', () => {
  const rb = readShipped('split-brain-recovery.yaml').runbook;
  const facts = (sql: string, mi: string, extra: Record<string, unknown> = {}) => ({
    roles: { sqlserver: role(sql), mi: role(mi) },
    link_state: { sqlserver: sql === 'PRIMARY' ? remoteBroken : localSecondary, mi: mi === 'PRIMARY' ? remoteBroken : localSecondary },
    divergence: { sqlserver: [{ end_of_log_lsn: '39000000012300001' }], mi: [{ end_of_log_lsn: '39000000045600001' }] },
    sqlserver_backup: { sqlserver: [] },
    mi_backup: { mi: [] },
    ...extra,
  });
  const params = (p: Record<string, unknown>) => withDefaults(rb, { link: 'SalesLink', ...p });

  it('refuses without the backup target of the side being demoted, before reading anything', () => {
    expect(walk(rb, { params: params({ keep: 'managedInstance' }), facts: {} })).toEqual(['need_backup_path']);
    expect(walk(rb, { params: params({ keep: 'sqlserver' }), facts: {} })).toEqual(['need_backup_url']);
  });

  it('nothing to do when only one side is PRIMARY and the link is healthy', () => {
    const f = facts('PRIMARY', 'SECONDARY', { link_state: { sqlserver: remoteHealthy, mi: localSecondary } });
    expect(walk(rb, { params: params({ keep: 'sqlserver', backup_url: 'https://x/y.bak' }), facts: f }).at(-1)).toBe('not_split');
  });

  it('keep=managedInstance: backs up SQL Server first (tail of the log), then demotes SQL Server', () => {
    const p = params({ keep: 'managedInstance', backup_path: 'D:\\Backup\\Sales_tail.trn' });
    // First the operator stops the application's writes; the runbook then checks SQL Server stays quiet.
    expect(walk(rb, { params: p, facts: facts('PRIMARY', 'PRIMARY') }).at(-1)).toBe('stop_writes_sqlserver');
    expect(step(rb, 'stop_writes_sqlserver').decide!.choices.map((c) => c.next)).toEqual(['commit_before_sqlserver', 'stopped_unchanged']);
    expect(walk(rb, { params: p, facts: facts('PRIMARY', 'PRIMARY') }, 'commit_before_sqlserver').at(-1)).toBe('quiet_sqlserver');
    const quiet = step(rb, 'commit_after_sqlserver').check!.expect!;
    const before = { commit_before_sqlserver: { sqlserver: [{ last_commit: '2025-06-03T02:30:10.200' }] } };
    expect(evalCel(quiet, { params: p, facts: before, rows: [{ last_commit: '2025-06-03T02:30:10.200' }] })).toBe(true);
    expect(evalCel(quiet, { params: p, facts: before, rows: [{ last_commit: '2025-06-03T02:30:21.400' }] })).toBe(false);
    expect(step(rb, 'commit_after_sqlserver').onFail).toBe('writes_running');
    expect(walk(rb, { params: p, facts: facts('PRIMARY', 'PRIMARY') }, 'commit_after_sqlserver').at(-1)).toBe('backup_sqlserver');
    const backedUp = facts('PRIMARY', 'PRIMARY', { sqlserver_backup: { sqlserver: [{ backup_set_id: 7 }] } });
    expect(walk(rb, { params: p, facts: backedUp }, 'commit_after_sqlserver').at(-1)).toBe('demote_sqlserver');
    expect(evalCel(step(rb, 'demote_sqlserver').requires!, { params: p, facts: backedUp })).toBe(true);
    // the world changed: the MI is no longer PRIMARY → the demotion is refused
    expect(evalCel(step(rb, 'demote_sqlserver').requires!, { params: p, facts: { ...backedUp, roles: { sqlserver: role('PRIMARY'), mi: role('SECONDARY') } } })).toBe(false);
    // no backup → refused
    expect(evalCel(step(rb, 'demote_sqlserver').requires!, { params: p, facts: facts('PRIMARY', 'PRIMARY') })).toBe(false);
  });

  it('keep=sqlserver: copy-only backup on the managed instance, then demotes the managed instance', () => {
    const p = params({ keep: 'sqlserver', backup_url: 'https://lab.blob.core.windows.net/c/Sales.bak' });
    expect(walk(rb, { params: p, facts: facts('PRIMARY', 'PRIMARY') }).at(-1)).toBe('stop_writes_mi');
    expect(walk(rb, { params: p, facts: facts('PRIMARY', 'PRIMARY') }, 'commit_after_mi').at(-1)).toBe('backup_mi');
    const backedUp = facts('PRIMARY', 'PRIMARY', { mi_backup: { mi: [{ backup_set_id: 3 }] } });
    expect(walk(rb, { params: p, facts: backedUp }, 'commit_after_mi').at(-1)).toBe('demote_mi');
  });

  it('resumes at the resynchronization wait when a previous run demoted the side already', () => {
    const p = params({ keep: 'managedInstance', backup_path: 'D:\\b.trn' });
    const path = walk(rb, { params: p, facts: facts('SECONDARY', 'PRIMARY') });
    expect(path).toContain('resume_resync');
    expect(path.at(-1)).toBe('wait_resync_mi');
  });

  it('after the demotion and resync: no FAILOVER unless asked; the final re-read must show the kept side PRIMARY', () => {
    const p = params({ keep: 'managedInstance', backup_path: 'D:\\b.trn' });
    // The demotion goes to the resync wait, then (failover_after=false) straight to the final re-read.
    expect(step(rb, 'demote_sqlserver').next).toBe('wait_resync_mi');
    const route = walk(rb, { params: p, facts: {} }, 'wait_resync_sqlserver');
    expect(route).not.toContain('failover_choice');
    expect(route).not.toContain('failover_from_mi');
    expect(route.slice(0, 2)).toEqual(['final_roles', 'final_health']);
    expect(route.at(-1)).toBe('done');
    const expectRoles = step(rb, 'final_roles').check!.expect!;
    expect(evalCel(expectRoles, { params: p, target: 'mi', rows: role('PRIMARY') })).toBe(true);
    expect(evalCel(expectRoles, { params: p, target: 'sqlserver', rows: role('SECONDARY') })).toBe(true);
    expect(evalCel(expectRoles, { params: p, target: 'sqlserver', rows: role('PRIMARY') })).toBe(false);
    expect(step(rb, 'final_roles').onFail).toBe('roles_wrong');
    // With failover_after the operator is asked; the FAILOVER's own re-read expects the swapped roles.
    const pf = params({ keep: 'managedInstance', backup_path: 'D:\\b.trn', failover_after: true });
    expect(walk(rb, { params: pf, facts: {} }, 'wait_resync_sqlserver')).toContain('failover_choice');
    const swapped = step(rb, 'swapped_roles').check!.expect!;
    expect(evalCel(swapped, { params: pf, target: 'sqlserver', rows: role('PRIMARY') })).toBe(true);
    expect(evalCel(swapped, { params: pf, target: 'mi', rows: role('PRIMARY') })).toBe(false);
  });

  it('waits: the resync ends only when the kept primary sees its secondary converged and HEALTHY', () => {
    const until = step(rb, 'wait_resync_mi').wait!.until;
    expect(evalCel(until, { rows: [] })).toBe(false);
    expect(evalCel(until, { rows: [{ converged: 0, health: 'HEALTHY' }] })).toBe(false);
    expect(evalCel(until, { rows: [{ converged: 1, health: 'NOT_HEALTHY' }] })).toBe(false);
    expect(evalCel(until, { rows: [{ converged: 1, health: 'HEALTHY' }] })).toBe(true);
    const healthy = step(rb, 'wait_swapped').wait!.until;
    expect(evalCel(healthy, { rows: localSecondary })).toBe(true);
    expect(evalCel(healthy, { rows: remoteHealthy })).toBe(true);
    expect(evalCel(healthy, { rows: remoteBroken })).toBe(false);
  });
});

describe('link-failover', () => {
  const rb = readShipped('link-failover.yaml').runbook;
  const p = withDefaults(rb, { link: 'SalesLink', to: 'managedInstance', sql_ag: 'AG_Sales', mi_ag: 'AG_Sales_MI' });
  const lsn = (s: string, m: string) => ({ sqlserver: [{ last_hardened_lsn: s, end_of_log_lsn: s, sampled_at_s: 1 }], mi: [{ last_hardened_lsn: m, end_of_log_lsn: m, sampled_at_s: 1 }] });

  it('refuses split brain and does nothing when the chosen side is already primary', () => {
    expect(walk(rb, { params: p, facts: { roles: { sqlserver: role('PRIMARY'), mi: role('PRIMARY') } } }).at(-1)).toBe('not_one_primary');
    expect(walk(rb, { params: p, facts: { roles: { sqlserver: role('SECONDARY'), mi: role('PRIMARY') } } }).at(-1)).toBe('already_there');
  });

  const policy = (databaseFormat: string, major = 16) => ({
    roles: { sqlserver: role('PRIMARY'), mi: role('SECONDARY') },
    build: { sqlserver: [{ major, build: 4165, version: `${major}.0.4165.4` }] },
    instance: { mi: { properties: { databaseFormat } } },
  });

  it('stops for the operator to stop the workload before any change', () => {
    const path = walk(rb, { params: p, facts: policy('SQLServer2022') });
    expect(path.slice(0, 3)).toEqual(['roles', 'build', 'instance']);
    expect(path.at(-1)).toBe('stop_workload');
    expect(step(rb, 'stop_workload').decide!.choices.every((c) => c.when === undefined)).toBe(true);
  });

  it('refuses a one-way failover to an AlwaysUpToDate MI unless acknowledged, and a mismatched failover back [CFG]', () => {
    expect(walk(rb, { params: p, facts: policy('AlwaysUpToDate') }).at(-1)).toBe('one_way_refused');
    expect(walk(rb, { params: { ...p, one_way_ok: true }, facts: policy('AlwaysUpToDate') }).at(-1)).toBe('stop_workload');
    const back = { ...p, to: 'sqlserver' };
    const onMi = (f: string, major = 16) => ({ ...policy(f, major), roles: { sqlserver: role('SECONDARY'), mi: role('PRIMARY') } });
    expect(walk(rb, { params: back, facts: onMi('AlwaysUpToDate') }).at(-1)).toBe('format_mismatch');
    expect(walk(rb, { params: back, facts: onMi('SQLServer2025') }).at(-1)).toBe('format_mismatch');
    expect(walk(rb, { params: back, facts: onMi('SQLServer2025', 17) }).at(-1)).toBe('stop_workload');
    expect(walk(rb, { params: back, facts: onMi('SQLServer2022') }).at(-1)).toBe('stop_workload');
  });

  it('checks CU13 (16.0.4125), not only the major version', () => {
    const expectBuild = step(rb, 'build').check!.expect!;
    expect(evalCel(expectBuild, { rows: [{ major: 16, build: 4115 }] })).toBe(false);
    expect(evalCel(expectBuild, { rows: [{ major: 16, build: 4125 }] })).toBe(true);
    expect(evalCel(expectBuild, { rows: [{ major: 17, build: 1000 }] })).toBe(true);
  });

  it('fails over only when last_hardened_lsn is equal on both sides and did not move', () => {
    const req = step(rb, 'failover_from_sqlserver').requires!;
    const roles = { sqlserver: role('PRIMARY'), mi: role('SECONDARY') };
    const equal = { roles, lsn_first: lsn('39000000012300001', '39000000012300001'), lsn_second: lsn('39000000012300001', '39000000012300001') };
    expect(evalCel(req, { params: p, facts: equal })).toBe(true);
    const moved = { ...equal, lsn_second: lsn('39000000012300009', '39000000012300009') };
    expect(evalCel(req, { params: p, facts: moved })).toBe(false);
    // differ only in the last digit: a double would call these equal
    const differ = { ...equal, lsn_second: lsn('39000000012300001', '39000000012300002') };
    expect(evalCel(req, { params: p, facts: differ })).toBe(false);
    expect(walk(rb, { params: p, facts: { ...differ, replicas: { sqlserver: [], mi: [] } } }, 'not_stable')).toEqual(['not_stable']);
  });

  it('verifies roles per target after the failover', () => {
    const verify = step(rb, 'failover_from_sqlserver').verify!.expect;
    expect(evalCel(verify, { rows: role('PRIMARY'), target: 'mi' })).toBe(true);
    expect(evalCel(verify, { rows: role('SECONDARY'), target: 'sqlserver' })).toBe(true);
    expect(evalCel(verify, { rows: role('PRIMARY'), target: 'sqlserver' })).toBe(false);
    const final = step(rb, 'final_roles').check!.expect!;
    expect(evalCel(final, { params: p, rows: role('PRIMARY'), target: 'mi' })).toBe(true);
    expect(evalCel(final, { params: p, rows: role('PRIMARY'), target: 'sqlserver' })).toBe(false);
  });
});

describe('certificate-rotation', () => {
  const rb = readShipped('certificate-rotation.yaml').runbook;
  const base = { link: 'SalesLink', old_cert: 'SalesLinkCert2024', new_cert: 'SalesLinkCert2026', subject: 'SalesLink endpoint SQL01', expiry: '20280131' };
  const cert = (name: string, days: number) => ({ endpoint_cert: { sqlserver: [{ cert_name: name, days_left: days, auth: 'NEGOTIATE, CERTIFICATE', thumbprint: '0xAB' }] } });

  const shared = (replicas: string[]) => ({ shared_endpoint: { sqlserver: replicas.map((r) => ({ ag_name: 'AG_Sales', replica: r })) } });
  const trust = (...blobs: string[]) => ({ mi: { value: blobs.map((b, i) => ({ name: `t${i}`, properties: { publicBlob: b } })) } });

  it('nothing to do when the certificate is far from expiry, unless forced', () => {
    expect(walk(rb, { params: withDefaults(rb, base), facts: cert('SalesLinkCert2024', 200) }).at(-1)).toBe('not_expiring');
    const forced = walk(rb, { params: withDefaults(rb, { ...base, force: true }), facts: { ...cert('SalesLinkCert2024', 200), ...shared([]), new_cert_state: { sqlserver: [] } } });
    expect(forced.at(-1)).toBe('create_cert');
  });

  it('refuses when the endpoint uses another certificate than old_cert', () => {
    expect(walk(rb, { params: withDefaults(rb, base), facts: cert('SomethingElse', 3) }).at(-1)).toBe('wrong_old_cert');
  });

  it('the shared endpoint: refuses while other replicas authenticate it by certificate, unless they trust the new one', () => {
    const facts = { ...cert('SalesLinkCert2024', 3), ...shared(['SQL02']), new_cert_state: { sqlserver: [] } };
    expect(walk(rb, { params: withDefaults(rb, base), facts }).at(-1)).toBe('shared_refused');
    expect(walk(rb, { params: withDefaults(rb, { ...base, replicas_trust_new_cert: true }), facts }).at(-1)).toBe('create_cert');
    const windows = { ...facts, endpoint_cert: { sqlserver: [{ cert_name: 'SalesLinkCert2024', days_left: 3, auth: 'WINDOWS_NEGOTIATE', thumbprint: '0xAB' }] } };
    expect(walk(rb, { params: withDefaults(rb, base), facts: windows }).at(-1)).toBe('create_cert');
    expect(step(rb, 'switch_endpoint_negotiate').confirm!.show!.other_replicas_on_this_endpoint).toBeDefined();
  });

  it('trust is read from ARM serverTrustCertificates by public key, uploaded through ARM, and re-read before the switch', () => {
    const facts = { ...cert('SalesLinkCert2024', 3), ...shared([]), new_cert_state: { sqlserver: [{ cert_name: 'SalesLinkCert2026' }] }, public_key: { sqlserver: [{ thumbprint: '0xCD', public_key: '0xCAFE' }] }, mi_trust: trust('0x0102') };
    expect(walk(rb, { params: withDefaults(rb, base), facts }).at(-1)).toBe('upload_trust');
    expect(step(rb, 'upload_trust').action!.azure).toMatchObject({ operation: 'putTrustCertificate', certificate: { cel: 'params.new_cert' } });
    const req = step(rb, 'switch_endpoint_negotiate').requires!;
    expect(evalCel(req, { params: withDefaults(rb, base), facts: { ...facts, mi_trust_now: trust('0x0102') } })).toBe(false);
    // The blob compares case-insensitively (SQL Server prints 0xCAFE, ARM may send 0xcafe).
    expect(evalCel(req, { params: withDefaults(rb, base), facts: { ...facts, mi_trust_now: trust('0xcafe') } })).toBe(true);
  });

  it('keeps Windows authentication when the endpoint had it', () => {
    const facts = { ...cert('SalesLinkCert2024', 3) };
    expect(evalCel(step(rb, 'switch_endpoint_negotiate').when!, { facts })).toBe(true);
    expect(evalCel(step(rb, 'switch_endpoint_cert_only').when!, { facts })).toBe(false);
  });

  it('rollback text names the real endpoint and old certificate', () => {
    const facts = { ...cert('SalesLinkCert2024', -2), ...shared([]), public_key: { sqlserver: [{ cert_name: 'SalesLinkCert2026', thumbprint: '0xCD' }] } };
    const show = step(rb, 'switch_endpoint_negotiate').confirm!.show!;
    const p = withDefaults(rb, base);
    expect(evalCel(show.rollback!, { params: p, facts })).toBe('ALTER ENDPOINT [Hadr_endpoint] FOR DATABASE_MIRRORING (AUTHENTICATION = WINDOWS NEGOTIATE CERTIFICATE [SalesLinkCert2024])');
    expect(evalCel(show.old_cert_expired!, { params: p, facts })).toBe(true);
  });

  it('resumes at the clean-up when the endpoint already uses the new certificate', () => {
    expect(walk(rb, { params: withDefaults(rb, base), facts: cert('SalesLinkCert2026', 700) }).at(-1)).toBe('wait_healthy');
  });
});

describe('premature-log-truncation', () => {
  const rb = readShipped('premature-log-truncation.yaml').runbook;
  const p = withDefaults(rb, { link: 'SalesLink' });
  const arm = (err: string | null, state = 'LinkCreationError') => ({ mi: { properties: { databases: [{ databaseName: 'Sales', replicaState: state, mostRecentLinkError: err }] } } });
  const present = { dag_present: { sqlserver: [{ link_name: 'SalesLink' }], mi: [{ link_name: 'SalesLink' }] } };

  it('recognises 1408/1412 from the link resource or from the seeding DMV', () => {
    const viaArm = { ...present, link_arm: arm('Error 1412: The remote copy of database "Sales" has not been rolled forward'), seeding: { sqlserver: [] } };
    expect(walk(rb, { params: p, facts: viaArm }).at(-1)).toBe('drop_link_mi');
    const viaDmv = { ...present, link_arm: arm(null), seeding: { sqlserver: [{ current_state: 'FAILED', error_code: 1408 }] } };
    expect(walk(rb, { params: p, facts: viaDmv }).at(-1)).toBe('drop_link_mi');
    // [TS]: "error 1412 in the SQL Server error log on Azure SQL Managed Instance" — the MI's own seeding DMV.
    const viaMi = { ...present, link_arm: arm(null), seeding: { sqlserver: [] }, seeding_mi: { mi: [{ current_state: 'FAILED', error_code: 1412 }] } };
    expect(walk(rb, { params: p, facts: viaMi }).at(-1)).toBe('drop_link_mi');
  });

  it('refuses a LinkCreationError that is not truncation (41977)', () => {
    const other = { ...present, link_arm: arm('Error 41977: target database not responsive'), seeding: { sqlserver: [{ current_state: 'FAILED', error_code: 41977 }] } };
    expect(walk(rb, { params: p, facts: other }).at(-1)).toBe('not_truncation');
  });

  it('nothing to do when the link is gone on both sides', () => {
    expect(walk(rb, { params: p, facts: { dag_present: { sqlserver: [], mi: [] } } }).at(-1)).toBe('no_link');
  });

  it('stops (manual) while the dropped link\'s database is still on the MI; otherwise asks to prevent the truncation', () => {
    const afterDrop = { dag_present: { sqlserver: [], mi: [] } };
    expect(walk(rb, { params: p, facts: { ...afterDrop, mi_leftover: { mi: [{ database_name: 'Sales' }] } } }, 'mi_leftover').at(-1)).toBe('mi_database_left');
    expect(walk(rb, { params: p, facts: { ...afterDrop, mi_leftover: { mi: [] } } }, 'mi_leftover').at(-1)).toBe('pause_backups');
    expect(step(rb, 'log_backups').check!.sql).toMatch(/is_copy_only = 0/);
  });

  it('drops SQL Server side only after the managed instance side is gone', () => {
    const req = step(rb, 'drop_dag_sqlserver').requires!;
    expect(evalCel(req, { params: p, facts: present })).toBe(false);
    expect(evalCel(req, { params: p, facts: { dag_present: { sqlserver: [{}], mi: [] } } })).toBe(true);
  });

  it('the seeding wait ends on COMPLETED or FAILED of the newest attempt, and shows progress', () => {
    const w = step(rb, 'wait_seeding').wait!;
    expect(w.timeout).toBe('6d');
    expect(evalCel(w.until, { rows: [] })).toBe(false);
    expect(evalCel(w.until, { rows: [{ current_state: 'SEEDING', completion_time: null, failure_state: 0, error_code: 0 }] })).toBe(false);
    expect(evalCel(w.until, { rows: [{ current_state: 'COMPLETED' }] })).toBe(true);
    // The DMV page lists no state values: completion_time and failure_state end the wait too.
    expect(evalCel(w.until, { rows: [{ current_state: 'DONE', completion_time: new Date(0), failure_state: 0, error_code: 0 }] })).toBe(true);
    expect(evalCel(w.until, { rows: [{ current_state: 'X', completion_time: null, failure_state: 21, error_code: 0 }] })).toBe(true);
    expect(evalCel(w.until, { rows: [{ current_state: 'X', completion_time: null, failure_state: 0, error_code: 0 }] })).toBe(false);
    expect(evalCel(w.progress!.value, { rows: [{ transferred_bytes: 5e9, database_bytes: 1e10 }] })).toBe(5e9);
    expect(evalCel(w.progress!.value, { rows: [] })).toBe(0);
  });
});

describe('flow-control-tuning', () => {
  const rb = readShipped('flow-control-tuning.yaml').runbook;
  const p = withDefaults(rb, { link: 'SalesLink', interval: '60s' });
  const sample = (t: number, transport: number, database: number) => ({ sqlserver: [{ link_name: 'SalesLink', transport_wait_ms: transport, database_wait_ms: database, sampled_at_s: t }], mi: [] });
  const queues = (send: number, redo: number, redoRate: number) => ({ sqlserver: [{ log_send_queue_kb: send, redo_queue_kb: redo, redo_rate_kb_s: redoRate, log_send_rate_kb_s: 1000 }], mi: [] });
  const facts = (o: Record<string, unknown>) => ({
    roles: { sqlserver: role('PRIMARY'), mi: role('SECONDARY') },
    waits_before: sample(1000, 50_000, 10_000),
    queues_before: queues(100, 100, 1000),
    ...o,
  });

  it('measures for the interval given (duration parameter)', () => {
    const until = step(rb, 'measure').wait!.until;
    expect(evalCel(until, { params: p, rows: [{ elapsed_s: 59 }] })).toBe(false);
    expect(evalCel(until, { params: p, rows: [{ elapsed_s: 60 }] })).toBe(true);
  });

  it.each([
    ['transport gate', { waits_after: sample(1060, 50_000 + 60 * 400, 10_000), queues_after: queues(9000, 100, 1000) }, 'transport_gate'],
    ['database gate', { waits_after: sample(1060, 50_000, 10_000 + 60 * 250), queues_after: queues(900, 100, 1000) }, 'database_gate'],
    ['secondary redo', { waits_after: sample(1060, 50_010, 10_010), queues_after: queues(100, 500_000, 1000) }, 'secondary_redo'],
    ['send queue', { waits_after: sample(1060, 50_010, 10_010), queues_after: queues(80_000, 100, 1000) }, 'send_queue'],
    ['healthy', { waits_after: sample(1060, 50_010, 10_010), queues_after: queues(0, 0, 1000) }, 'healthy'],
    ['counters cleared', { waits_after: sample(1060, 10, 10), queues_after: queues(0, 0, 1000) }, 'measurement_void'],
    ['primary moved', { waits_after: { sqlserver: [], mi: [{ transport_wait_ms: 1, database_wait_ms: 1, sampled_at_s: 1060 }] }, queues_after: queues(0, 0, 1000) }, 'measurement_void'],
  ])('%s', (_name, o, expected) => {
    expect(walk(rb, { params: p, facts: facts(o) }, 'measurement_void').at(-1)).toBe(expected);
  });

  it('works when the managed instance is the primary', () => {
    const f = {
      roles: { sqlserver: role('SECONDARY'), mi: role('PRIMARY') },
      waits_before: { sqlserver: [], mi: sample(1000, 0, 0).sqlserver },
      waits_after: { sqlserver: [], mi: sample(1060, 60 * 500, 0).sqlserver },
      queues_before: { sqlserver: [], mi: queues(0, 0, 1).sqlserver },
      queues_after: { sqlserver: [], mi: queues(0, 0, 1).sqlserver },
    };
    expect(walk(rb, { params: p, facts: f }, 'measurement_void').at(-1)).toBe('transport_gate');
  });

  it('offers only documented remediations', () => {
    const text = rb.steps.map((s) => s.end?.message ?? '').join('\n');
    expect(text).toMatch(/12310/);
    // [MON]/[RPO]: 9567 only compresses seeding; 1800 only for mismatched sector sizes [PREP].
    expect(text).not.toMatch(/9567/);
    expect(text).toMatch(/1800 only if the log disks of the\s+two sides have different sector sizes/);
    expect(text).toMatch(/SESSION_TIMEOUT is not a flow-control\s+setting/);
    expect(text).not.toMatch(/packet/i);
  });
});

describe('seeding-monitor', () => {
  const rb = readShipped('seeding-monitor.yaml').runbook;
  const p = withDefaults(rb, { link: 'SalesLink' });

  it('has no actions', () => {
    expect(rb.steps.filter((s) => s.action)).toEqual([]);
  });

  it('nothing to do when no seeding runs', () => {
    expect(walk(rb, { params: p, facts: { seeding: { sqlserver: [] } } }).at(-1)).toBe('nothing_seeding');
  });

  it('warns when seeding cannot finish within 6 days of its start (shared bandwidth)', () => {
    const seeding = { sqlserver: [{ elapsed_s: 3 * 86400, eta_s: 2 * 86400 }, { elapsed_s: 3 * 86400, eta_s: 2 * 86400 }] };
    const slow = { seeding, totals: { sqlserver: [{ seeding_count: 2, shared_eta_s: 4 * 86400 }] } };
    expect(walk(rb, { params: p, facts: slow }).at(-1)).toBe('too_slow');
    const fine = { seeding, totals: { sqlserver: [{ seeding_count: 2, shared_eta_s: 86400 }] } };
    expect(walk(rb, { params: p, facts: fine }).at(-1)).toBe('wait_complete');
    const stalled = { seeding, totals: { sqlserver: [{ seeding_count: 2, shared_eta_s: null }] } };
    expect(walk(rb, { params: p, facts: stalled }).at(-1)).toBe('wait_complete');
  });

  it('the wait ends at completion or at the timeout parameter', () => {
    const w = step(rb, 'wait_complete').wait!;
    expect(evalCel(w.until, { params: p, rows: [{ seeding_count: 1, watched_s: 3600 }] })).toBe(false);
    expect(evalCel(w.until, { params: p, rows: [{ seeding_count: 0, watched_s: 3600 }] })).toBe(true);
    expect(evalCel(w.until, { params: p, rows: [{ seeding_count: 1, watched_s: 144 * 3600 }] })).toBe(true);
    expect(evalCel(w.progress!.value, { rows: [{ transferred_bytes: null }] })).toBe(0);
  });
});
