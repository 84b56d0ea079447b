/**
 * Issue 6: each lab scenario yields exactly its expected finding and runbook (nothing else above
 * info), healthy yields none, and a fleet of 24 pairs is diagnosed in one run, worst first — over
 * TCP with the real mssql driver and the real ARM client.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnoseCommand } from '../../src/cli/commands/diagnose.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { memoryOutput } from '../../src/cli/output.js';
import { SCENARIOS, startLab, type Lab } from '../../src/lab/index.js';

interface JsonFinding {
  rule: string;
  severity: string;
  evidence: Record<string, unknown>;
  runbook?: { runbook: string; params: Record<string, string>; command?: string; missing: { name: string }[] };
}
interface JsonReport {
  summary: { pairs: number; links: number; critical: number; worst: string };
  reports: Array<{ pair: string; link: string; worst: string; findings: JsonFinding[] }>;
}

/** The finding each scenario must produce, and the runbook it must recommend. */
const EXPECTED: Record<string, { rule: string; runbook: string; params: Record<string, string> } | null> = {
  healthy: null,
  'split-brain': { rule: 'split-brain', runbook: 'split-brain-recovery', params: { link: 'SalesLink', database: 'Sales', keep: '<sqlserver|managedInstance>' } },
  'cert-expired': { rule: 'cert-expired', runbook: 'certificate-rotation', params: { link: 'SalesLink', endpoint: 'Hadr_endpoint', old_cert: 'SQL01_Link_Cert' } },
  'log-truncation': { rule: 'link-error-1412', runbook: 'premature-log-truncation', params: { link: 'SalesLink', database: 'Sales' } },
  'flow-control': { rule: 'flow-control-transport', runbook: 'flow-control-tuning', params: { link: 'SalesLink', database: 'Sales' } },
  'slow-seeding': { rule: 'seeding-beyond-limit', runbook: 'seeding-monitor', params: { link: 'SalesLink' } },
};

const PAIRS = 24;
let lab: Lab;
let dir: string;
let targets: string;
let env: Record<string, string>;
const scenarioOf = (i: number): string => SCENARIOS[i % SCENARIOS.length]!;
/** Pair index → the id diagnose gives it (the lab names pair 0 `sqlserver`/`mi`, pair i `sqlserver-<i+1>`). */
const pairId = (i: number): string => (i === 0 ? '' : String(i + 1));

beforeAll(async () => {
  lab = await startLab({ pairs: PAIRS, scenarios: Array.from({ length: PAIRS }, (_, i) => scenarioOf(i)) });
  dir = mkdtempSync(join(tmpdir(), 'agmedic-diagnose-'));
  targets = lab.writeTargets(join(dir, 'targets.yaml')).targets;
  env = { [lab.env.password]: lab.password, [lab.env.armToken]: lab.armToken };
}, 60_000);
afterAll(async () => {
  await lab?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function diagnose(args: { pair?: string[]; sample?: string; json?: boolean; color?: boolean }): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = memoryOutput({ color: args.color ?? false });
  const code = await diagnoseCommand({ targets, sample: args.sample ?? '300ms', json: args.json ?? true, ...(args.pair ? { pair: args.pair } : {}) }, out, { env });
  return { code, stdout: out.stdout, stderr: out.stderr };
}

describe('diagnose over a fleet of 24 lab pairs (4 of each scenario)', () => {
  let report: JsonReport;
  let code: number;
  beforeAll(async () => {
    const r = await diagnose({});
    code = r.code;
    report = JSON.parse(r.stdout) as JsonReport;
  }, 120_000);

  it('covers every pair, with an exit code saying something is critical', () => {
    expect(report.summary.pairs).toBe(PAIRS);
    expect(report.reports).toHaveLength(PAIRS);
    expect(code).toBe(EXIT.critical);
  });

  it.each(Array.from({ length: PAIRS }, (_, i) => [i, scenarioOf(i)] as const))('pair %i (%s) yields exactly its finding and runbook', (i, scenario) => {
    const r = report.reports.find((x) => x.pair === pairId(i))!;
    expect(r.link).toBe('SalesLink');
    const above = r.findings.filter((f) => f.severity !== 'info');
    const want = EXPECTED[scenario]!;
    if (want === null) {
      expect(above).toEqual([]);
      return;
    }
    expect(above.map((f) => f.rule)).toEqual([want.rule]);
    expect(above[0]!.runbook?.runbook).toBe(want.runbook);
    expect(above[0]!.runbook?.params).toMatchObject(want.params);
    // A run line only when every parameter is known (split brain: keep is a choice; rotation: the new name).
    if (above[0]!.runbook!.missing.length) expect(above[0]!.runbook?.command).toBeUndefined();
    else {
      expect(above[0]!.runbook?.command).toContain(`agmedic run ${want.runbook} -t `);
      if (i > 0) expect(above[0]!.runbook?.command).toContain(`--pair ${pairId(i)}`);
    }
  });

  it('lists the pairs worst first', () => {
    const rank = { critical: 2, warning: 1, info: 0 } as Record<string, number>;
    const worst = report.reports.map((r) => rank[r.worst]!);
    expect(worst).toEqual([...worst].sort((a, b) => b - a));
    expect(report.reports.at(-1)!.worst).toBe('info');
  });

  it('puts the matched fact values in the evidence', () => {
    const split = report.reports.find((r) => r.pair === pairId(1))!.findings.find((f) => f.rule === 'split-brain')!;
    expect(split.evidence).toMatchObject({ 'SQL Server role': 'PRIMARY', 'managed instance role': 'PRIMARY' });
    const trunc = report.reports.find((r) => r.pair === pairId(3))!.findings.find((f) => f.rule === 'link-error-1412')!;
    expect(trunc.evidence).toMatchObject({ 'seeding error_code': 1412, 'log backups since seeding started': 4 });
    const flow = report.reports.find((r) => r.pair === pairId(4))!.findings.find((f) => f.rule === 'flow-control-transport')!;
    expect(flow.evidence['HADR_TRANSPORT_FLOW_CONTROL (ms/s)']).toBeGreaterThanOrEqual(100);
    expect(flow.evidence['transport gate (messages)']).toBe(16384);
    const seeding = report.reports.find((r) => r.pair === pairId(5))!.findings.find((f) => f.rule === 'seeding-beyond-limit')!;
    expect(seeding.evidence['remaining (h)']).toBeGreaterThan(144);
  });
});

describe('one link', () => {
  it('healthy: no finding above info, exit 0, and says so', async () => {
    const r = await diagnose({ pair: ['default'], json: false });
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toMatch(/No problems found on 1 link/);
    expect(r.stdout).not.toMatch(/CRITICAL|WARNING/);
  });

  it('split brain as text: evidence, explanation and the command, coloured only when asked', async () => {
    const plain = await diagnose({ pair: ['2'], json: false });
    expect(plain.code).toBe(EXIT.critical);
    expect(plain.stdout).toContain('CRITICAL Split brain: both sides of SalesLink are PRIMARY');
    // keep is the operator's choice: the runbook is named, no `run:` line carries a placeholder.
    expect(plain.stdout).toContain('runbook: split-brain-recovery (known: link=SalesLink database=Sales)');
    expect(plain.stdout).toContain('you give: keep (one of sqlserver, managedInstance)');
    expect(plain.stdout).not.toMatch(/run: .*</);
    expect(plain.stdout).not.toContain('\u001b[');
    const coloured = await diagnose({ pair: ['2'], json: false, color: true });
    expect(coloured.stdout).toContain('\u001b[31mCRITICAL');
  });
});
