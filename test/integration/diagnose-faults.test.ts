/**
 * Issue 6: an unreachable target is a finding with the driver's reason (not a crash); each link
 * error number is recognised when the lab puts the link into it; a fact query the server refuses
 * costs that fact only. Real mssql driver and ARM client over TCP against the lab.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { diagnoseCommand } from '../../src/cli/commands/diagnose.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { memoryOutput } from '../../src/cli/output.js';
import { openSqlTarget } from '../../src/adapters/mssql-target.js';
import { startLab, type Lab } from '../../src/lab/index.js';
import { Secret } from '../../src/ports/secret.js';
import type { TargetConfig } from '../../src/ports/sql-target.js';

interface JsonFinding {
  rule: string;
  severity: string;
  evidence: Record<string, unknown>;
  runbook?: { runbook: string; params: Record<string, string>; command?: string };
}
interface JsonReport {
  reports: Array<{ pair: string; findings: JsonFinding[]; facts: { sqlserver: { reachable: boolean }; mi: { reachable: boolean; linkRole: string } } }>;
}

const ERRORS = [41962, 41973, 41974, 41976, 41977, 41986, 47521, 1408, 1412];
/**
 * Pairs 0–8: one error each; 9: refused connections; 10: a fact query refused twice; 11: log backups
 * during slow seeding; 12: a queue between the two flow-control gates; 13: the network between the
 * sides cut; 14: SQL Server's endpoint certificate expiring in 10 days.
 */
const PAIRS = ERRORS.length + 6;
const REFUSED = ERRORS.length;
const DENIED = ERRORS.length + 1;
const LOG_BACKUP = ERRORS.length + 2;
const DB_GATE = ERRORS.length + 3;
const PARTITION = ERRORS.length + 4;
const EXPIRING = ERRORS.length + 5;
const SCENARIO: Record<number, string> = { [LOG_BACKUP]: 'slow-seeding', [DB_GATE]: 'flow-control' };
let lab: Lab;
let dir: string;
let targets: string;
let env: Record<string, string>;
const pairId = (i: number): string => (i === 0 ? '' : String(i + 1));

/**
 * Holds the link down with `number` as its current error, as the lab's model keeps a failed link
 * creation: ARM shows the state ending in Error with mostRecentLinkError, the primary's replica
 * row shows DISCONNECTED with last_connect_error_number.
 */
function injectLinkError(i: number, number: number): void {
  const world = lab.pairs[i]!.world;
  const link = world.link!;
  const at = world.now();
  const error = { number, message: `Injected link error ${number}.`, at };
  link.creationError = error;
  link.mostRecentError = error;
  for (const side of link.sides) side.lastConnectError = { number, description: error.message, at };
  world.touch();
}

/** A log-shipping job backs up the log of the database being seeded (what breaks seeding [TS]), over TDS. */
async function logBackupDuringSeeding(i: number): Promise<void> {
  const pair = lab.pairs[i]!;
  const config: TargetConfig = {
    role: 'sqlserver', server: pair.sqlserver.host, port: pair.sqlserver.port, encrypt: false, trustServerCertificate: false,
    connectTimeoutMs: 5000, requestTimeoutMs: 5000, auth: { type: 'sql', user: 'sa', passwordEnv: 'X' },
  };
  const target = await openSqlTarget('sqlserver', config, new Secret(lab.password));
  try {
    await target.query('BACKUP LOG [Sales] TO DISK = @path', [{ name: 'path', value: 'D:\\Backup\\LSBackup_Sales.trn' }], {});
  } finally {
    await target.close();
  }
}

/**
 * A steady send queue of 40 MB (~10,000 messages of 4 KB): past the per-database gate (7168), below
 * the transport gate (16384) — log generated exactly as fast as the link carries it.
 */
function queueBetweenGates(i: number): void {
  const world = lab.pairs[i]!.world;
  const link = world.link!;
  const [sql, mi] = link.sides;
  world.instance('SQL01').workloadBytesPerSec = link.bandwidthBytesPerSec;
  mi.hardened = mi.logEnd = mi.redone = mi.lastCommitPos = sql.logEnd - 40 * 1024 * 1024;
  world.touch();
}

async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

async function diagnose(file: string, extra: { pair?: string[]; env?: Record<string, string>; sample?: string } = {}): Promise<{ code: number; report: JsonReport }> {
  const out = memoryOutput();
  const code = await diagnoseCommand({ targets: file, sample: extra.sample ?? '0', json: true, ...(extra.pair ? { pair: extra.pair } : {}) }, out, { env: extra.env ?? env });
  return { code, report: JSON.parse(out.stdout) as JsonReport };
}

beforeAll(async () => {
  lab = await startLab({ pairs: PAIRS, scenario: 'healthy', scenarios: Array.from({ length: PAIRS }, (_, i) => SCENARIO[i] ?? 'healthy') });
  dir = mkdtempSync(join(tmpdir(), 'agmedic-diagnose-faults-'));
  targets = lab.writeTargets(join(dir, 'targets.yaml')).targets;
  env = { [lab.env.password]: lab.password, [lab.env.armToken]: lab.armToken };
  ERRORS.forEach((n, i) => injectLinkError(i, n));
  lab.pairs[REFUSED]!.control.refuseConnections('sqlserver', true);
  await logBackupDuringSeeding(LOG_BACKUP);
  queueBetweenGates(DB_GATE);
  lab.pairs[PARTITION]!.control.partitionLink(true);
  const world = lab.pairs[EXPIRING]!.world;
  const sql = world.instance('SQL01');
  sql.certificates.find((c) => c.certificateId === sql.endpoint.certificateId)!.expiryDate = world.now() + 10 * 86_400_000;
  world.touch();
  for (let k = 0; k < 2; k++) lab.pairs[DENIED]!.control.failNext('mi', 'dm_os_wait_stats', 300, 'VIEW SERVER STATE permission was denied on object \'server\', database \'master\'.');
}, 60_000);
afterAll(async () => {
  await lab?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

let first: JsonReport | undefined;
const report0 = (): JsonReport => first!;

describe('faults', () => {
  let report: JsonReport;
  let code: number;
  beforeAll(async () => {
    ({ code, report } = await diagnose(targets));
    first = report;
  }, 120_000);

  it('never crashes, and says something is critical', () => {
    expect(report.reports).toHaveLength(PAIRS);
    expect(code).toBe(EXIT.critical);
  });

  it.each(ERRORS.map((n, i) => [n, i] as const))('recognises link error %i', (n, i) => {
    const r = report.reports.find((x) => x.pair === pairId(i))!;
    const above = r.findings.filter((f) => f.severity !== 'info');
    expect(above.map((f) => f.rule)).toEqual([`link-error-${n}`]);
    expect(above[0]!.severity).toBe('critical');
    expect(above[0]!.evidence['link errors now']).toEqual([n]);
    if (n === 1408 || n === 1412) expect(above[0]!.runbook?.runbook).toBe('premature-log-truncation');
    // The generic "state ends in Error" finding is still there, explained by the specific one.
    expect(r.findings.find((f) => f.rule === 'link-state-error')).toMatchObject({ severity: 'info' });
  });

  it('an instance refusing connections is a finding with the driver\'s reason; the other side is still read', () => {
    const r = report.reports.find((x) => x.pair === pairId(REFUSED))!;
    const above = r.findings.filter((f) => f.severity !== 'info');
    expect(above.map((f) => f.rule)).toEqual(['sqlserver-unreachable']);
    expect(above[0]!.evidence['error code']).toBe('CONNECT_FAILED');
    expect(String(above[0]!.evidence.reason)).toMatch(/sqlserver-10/);
    expect(r.facts.mi).toMatchObject({ reachable: true, linkRole: 'SECONDARY' });
  });

  it('a fact query the server refuses costs that fact, reported as a warning', () => {
    const r = report.reports.find((x) => x.pair === pairId(DENIED))!;
    const above = r.findings.filter((f) => f.severity !== 'info');
    expect(above.map((f) => f.rule)).toEqual(['mi-facts-incomplete']);
    expect(String(above[0]!.evidence.reason)).toMatch(/waits: .*VIEW SERVER STATE/);
  });
});

describe('health and certificates', () => {
  it('the network cut between the sides: NOT_HEALTHY, with the connect error as evidence', () => {
    const r = report0().reports.find((x) => x.pair === pairId(PARTITION))!;
    const above = r.findings.filter((f) => f.severity !== 'info');
    expect(above.map((f) => f.rule)).toEqual(['link-not-healthy']);
    expect(above[0]!.evidence).toMatchObject({ 'health (primary)': 'NOT_HEALTHY', 'remote replica': 'DISCONNECTED', 'last connect error': 35206 });
  });

  it('a certificate expiring within 30 days: a warning naming the rotation runbook; the new name, subject and expiry are the operator\'s', () => {
    const r = report0().reports.find((x) => x.pair === pairId(EXPIRING))!;
    const above = r.findings.filter((f) => f.severity !== 'info');
    expect(above.map((f) => [f.rule, f.severity])).toEqual([['cert-expiring', 'warning']]);
    expect(above[0]!.evidence['days left']).toBeCloseTo(10, 0);
    expect(above[0]!.runbook).toMatchObject({ runbook: 'certificate-rotation', params: { old_cert: 'SQL01_Link_Cert', endpoint: 'Hadr_endpoint', link: 'SalesLink' } });
    expect(above[0]!.runbook!.params.expiry).toBe('<expiry>');
    expect(above[0]!.runbook!.command).toBeUndefined();
  });
});

describe('seeding and flow control', () => {
  it('log backups while seeding runs: critical, next to the 6-day finding', () => {
    const r = report0().reports.find((x) => x.pair === pairId(LOG_BACKUP))!;
    const above = r.findings.filter((f) => f.severity !== 'info');
    expect(above.map((f) => f.rule).sort()).toEqual(['log-backups-during-seeding', 'seeding-beyond-limit']);
    expect(above.find((f) => f.rule === 'log-backups-during-seeding')!.evidence).toMatchObject({ 'log backups since seeding started': 1 });
  });

  it('a queue between the gates: database flow control, not transport', async () => {
    const { report } = await diagnose(targets, { pair: [pairId(DB_GATE)], sample: '600ms' });
    const above = report.reports[0]!.findings.filter((f) => f.severity !== 'info');
    expect(above.map((f) => f.rule)).toEqual(['flow-control-database']);
    expect(above[0]!.evidence['HADR_TRANSPORT_FLOW_CONTROL (ms/s)']).toBeLessThan(100);
    expect(above[0]!.runbook?.runbook).toBe('flow-control-tuning');
  });
});

describe('unreachable targets', () => {
  it('a closed port: CONNECT_FAILED with the reason, exit 9', async () => {
    const doc = parse(readFileSync(targets, 'utf8')) as { targets: Record<string, { port: number }> };
    doc.targets['sqlserver-12'] = { ...doc.targets['sqlserver-10']!, port: await closedPort() };
    doc.targets['mi-12'] = { ...doc.targets['mi-10']!, port: await closedPort() };
    const file = join(dir, 'closed.yaml');
    writeFileSync(file, stringify(doc));
    const { code, report } = await diagnose(file, { pair: ['12'] });
    expect(code).toBe(EXIT.critical);
    const rules = report.reports[0]!.findings.map((f) => [f.rule, f.evidence['error code'], String(f.evidence.reason)]);
    expect(rules).toEqual([
      ['sqlserver-unreachable', 'CONNECT_FAILED', expect.stringMatching(/cannot connect/)],
      ['mi-unreachable', 'CONNECT_FAILED', expect.stringMatching(/cannot connect/)],
    ]);
  });

  it('a password variable that is not set: SECRET_MISSING naming the variable, never a prompt', async () => {
    const { code, report } = await diagnose(targets, { pair: ['default'], env: { [lab.env.armToken]: lab.armToken } });
    expect(code).toBe(EXIT.critical);
    const f = report.reports[0]!.findings.filter((x) => x.severity === 'critical');
    expect(f.map((x) => x.evidence['error code'])).toEqual(['SECRET_MISSING', 'SECRET_MISSING']);
    expect(String(f[0]!.evidence.reason)).toContain(lab.env.password);
  });
});
