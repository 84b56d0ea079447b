/**
 * `agmedic plan --live` against the lab over TCP with the real mssql driver: the route and the
 * facts that decided it, only read-only statements sent (the lab's statement log proves it), and
 * the fingerprint going stale when the lab's state changes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openSqlTarget } from '../../src/adapters/mssql-target.js';
import { buildPlan, resolveParameters } from '../../src/compile/index.js';
import { memoryOutput } from '../../src/cli/output.js';
import { runCli } from '../../src/cli/program.js';
import { loadUsableRunbook } from '../../src/cli/load-and-compile.js';
import { startLab, type Lab } from '../../src/lab/index.js';
import { Secret } from '../../src/ports/secret.js';
import type { SqlTarget } from '../../src/ports/sql-target.js';
import { checkPlanFreshness } from '../../src/runtime/fingerprint/index.js';
import { assertLivePlanStillFresh, runCheckPass, type LivePlan } from '../../src/runtime/live-plan/index.js';
import { readTargetsFile } from '../../src/runtime/targets/index.js';

/** Any statement that is not a read. The driver's own session setup is not in the runbook's text. */
const CHANGING = /^\s*(ALTER|BACKUP|RESTORE|CREATE|DROP|INSERT|UPDATE|DELETE|MERGE|TRUNCATE|GRANT|REVOKE|DENY|KILL|SHUTDOWN|DBCC)\b|\bsp_getapplock\b/i;
const PARAMS = ['-p', 'link=SalesLink', '-p', 'keep=managedInstance', '-p', 'backup_path=/backups/Sales_splitbrain.trn'];

const dir = mkdtempSync(join(tmpdir(), 'agmedic-live-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function livePlan(lab: Lab, name: string): Promise<{ code: number; plan: LivePlan; text: string; stderr: string }> {
  const targets = join(dir, `${name}.targets.yaml`);
  lab.writeTargets(targets);
  const out = join(dir, `${name}.plan.json`);
  const o = memoryOutput();
  const code = await runCli(['plan', 'split-brain-recovery', ...PARAMS, '--live', '-t', targets, '--out', out], o);
  const plan = code === 0 ? (JSON.parse(readFileSync(out, 'utf8')) as LivePlan) : (undefined as never);
  return { code, plan, text: o.stdout, stderr: o.stderr };
}

function labEnv(lab: Lab): void {
  vi.stubEnv(lab.env.password, lab.password);
  vi.stubEnv(lab.env.armToken, lab.armToken);
  vi.stubEnv('AGMEDIC_HOME', join(dir, 'home'));
  vi.stubEnv('NO_COLOR', '1');
}

describe('plan --live on split brain', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ scenario: 'split-brain' });
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await lab?.close();
  });

  it('shows the route to the first change, with the facts that decided it, and sends nothing but reads', async () => {
    labEnv(lab);
    const before = lab.statementLog().length;
    const { code, plan, text, stderr } = await livePlan(lab, 'split');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const { live } = plan;
    // The whole route, with the parameter guards skipped while the initial state was computed.
    const route = live.route.map((e) => [e.step, e.via ?? '■']);
    expect(route.slice(0, 10)).toEqual([
      ['need_backup_path', 'skip'],
      ['need_backup_url', 'skip'],
      ['roles', 'next'],
      ['link_state', 'next'],
      ['not_split', 'skip'],
      ['resume_resync', 'skip'],
      ['divergence', 'next'],
      ['build', 'skip'],
      ['branch', 'choice'],
      ['keep_mi_guard', 'skip'],
    ]);
    // Then the steps preparing SQL Server's demotion (stop the writes, wait for them to stop, back up),
    // up to the first one that is not read-only: the lab's SQL Server keeps committing (its workload
    // runs), so the route stops before the backup at the latest.
    const stop = live.stoppedAt!.step;
    expect(route.at(-1)).toEqual([stop, '■']);
    expect(route.slice(9).map(([step]) => step)).not.toContain('backup_sqlserver');
    expect(live.route.find((e) => e.step === 'branch')?.choice).toMatchObject({ next: 'keep_mi_guard', index: 0 });
    expect(live.outcome).toBe('stopped');
    expect(stop).toMatch(/sqlserver$/);
    expect(live.facts).toMatchObject({
      roles: { sqlserver: [{ role: 'PRIMARY' }], mi: [{ role: 'PRIMARY' }] },
    });
    const fp = Object.fromEntries(live.fingerprint.facts.map((f) => [f.fact, f.value]));
    expect(fp).toMatchObject({
      'facts.roles.sqlserver[0].role': 'PRIMARY',
      'facts.roles.mi[0].role': 'PRIMARY',
    });
    // What a wait watches moves by design; it is not part of the fingerprint.
    expect(live.fingerprint.facts.filter((f) => f.readBy.some((r) => r.endsWith('.until')))).toEqual([]);
    // The text names the route, the deciding facts and the statement the run would send next.
    expect(text).toMatch(/not_split +skipped: its when is false/);
    expect(text).toContain('because facts.roles.sqlserver[0].role = "PRIMARY"');
    expect(text).toMatch(new RegExp(`${stop} +■ the run would stop being read-only here`));

    const sent = lab.statementLog().slice(before);
    expect(sent.length).toBeGreaterThanOrEqual(live.statements.length);
    expect(live.statements.map((s) => `${s.step}@${s.target}`).slice(0, 6)).toEqual([
      'roles@sqlserver', 'roles@mi', 'link_state@sqlserver', 'link_state@mi', 'divergence@sqlserver', 'divergence@mi',
    ]);
    expect(live.statements.slice(6).map((s) => s.target)).not.toContain('mi');
    expect(sent.filter((s) => CHANGING.test(s.text)).map((s) => s.text)).toEqual([]);
    expect(lab.control.roles()).toEqual({ sqlserver: 'PRIMARY', mi: 'PRIMARY' });
  }, 60_000);

  it('detects a stale plan after the lab state changed, naming the fact', async () => {
    labEnv(lab);
    const { code, plan } = await livePlan(lab, 'stale');
    expect(code).toBe(0);
    const usable = loadUsableRunbook('split-brain-recovery');
    const values = resolveParameters(usable.runbook, { link: 'SalesLink', keep: 'managedInstance', backup_path: '/backups/Sales_splitbrain.trn' }).values;
    const config = readTargetsFile(join(dir, 'stale.targets.yaml'));
    const open = async () => ({
      sqlserver: await openSqlTarget('sqlserver', config.targets.sqlserver!, new Secret(lab.password)),
      mi: await openSqlTarget('mi', config.targets.mi!, new Secret(lab.password)),
    });
    const check = async () => {
      const sqlTargets: Record<string, SqlTarget> = await open();
      try {
        const { result } = await runCheckPass({
          ...usable, plan: buildPlan(usable.runbook, usable.compiled, values, { sha256: usable.sha256 }), values,
          targets: { sql: sqlTargets, azure: {} }, clock: { now: () => new Date() }, signal: new AbortController().signal,
          operator: 'test', host: 'test',
        });
        return result.facts;
      } finally {
        await Promise.all(Object.values(sqlTargets).map((t) => t.close()));
      }
    };

    // Nothing changed that the route relied on (LSNs moved, they are not in the fingerprint): fresh.
    expect(checkPlanFreshness(plan, await check())).toEqual({ fresh: true });

    // Someone else demotes SQL Server meanwhile.
    const dba = await openSqlTarget('sqlserver', config.targets.sqlserver!, new Secret(lab.password));
    try {
      await dba.query('ALTER AVAILABILITY GROUP [SalesLink] SET (ROLE = SECONDARY)', [], {});
    } finally {
      await dba.close();
    }
    expect(lab.control.roles().sqlserver).toBe('SECONDARY');
    const r = checkPlanFreshness(plan, await check());
    expect(r.fresh).toBe(false);
    expect(r.fresh === false && r.changes.find((c) => c.fact === 'facts.roles.sqlserver[0].role')).toMatchObject({ was: 'PRIMARY', now: 'SECONDARY' });

    // What `agmedic run plan.json` calls before changing anything: refused, naming the fact.
    const sqlTargets: Record<string, SqlTarget> = await open();
    const before = lab.statementLog().length;
    try {
      await expect(
        assertLivePlanStillFresh(plan, {
          ...usable, plan, values, targets: { sql: sqlTargets, azure: {} }, clock: { now: () => new Date() },
          signal: new AbortController().signal, operator: 'test', host: 'test',
        }),
      ).rejects.toMatchObject({ code: 'PLAN_STALE', message: expect.stringMatching(/^plan is stale: facts\.roles\.sqlserver\[0\]\.role was "PRIMARY", now "SECONDARY"/) });
    } finally {
      await Promise.all(Object.values(sqlTargets).map((t) => t.close()));
    }
    expect(lab.statementLog().slice(before).filter((s) => CHANGING.test(s.text))).toEqual([]);
  }, 60_000);
});

describe('plan --live on a healthy link', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ scenario: 'healthy' });
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await lab?.close();
  });

  it('ends at not_split (nothing to do), with the facts that decided it, sending only reads', async () => {
    labEnv(lab);
    const before = lab.statementLog().length;
    const { code, plan, text } = await livePlan(lab, 'healthy');
    expect(code).toBe(0);
    const { live } = plan;
    expect(live.route.map((e) => e.step)).toEqual(['need_backup_path', 'need_backup_url', 'roles', 'link_state', 'not_split']);
    expect(live.outcome).toBe('nothing-to-do');
    expect(live.stoppedAt).toBeUndefined();
    expect(live.fingerprint.facts.find((f) => f.fact === 'facts.roles.mi[0].role')).toMatchObject({ value: 'SECONDARY', readBy: ['not_split.when'] });
    expect(text).toContain('Result: nothing-to-do');
    expect(lab.statementLog().slice(before).filter((s) => CHANGING.test(s.text))).toEqual([]);
  }, 60_000);
});

describe('plan --live refusals (before connecting)', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ scenario: 'healthy' });
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await lab?.close();
  });

  it.each([
    ['no targets file', () => [], 2, 'USAGE'],
    ['a targets file without the mi role', (f: string) => ['-t', f.replace('.yaml', '.sqlonly.yaml')], 1, 'TARGET_MISSING'],
    ['the password variable unset', (f: string) => ['-t', f, '__unset'], 4, 'SECRET_MISSING'],
    ['--format mermaid', (f: string) => ['-t', f, '--format', 'mermaid'], 2, 'USAGE'],
  ])('%s', async (_name, extra, exit, code) => {
    vi.stubEnv('AGMEDIC_TARGETS', '');
    vi.stubEnv('AGMEDIC_HOME', join(dir, 'home'));
    const file = join(dir, 'refusal.targets.yaml');
    lab.writeTargets(file);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file.replace('.yaml', '.sqlonly.yaml'), text.slice(0, text.search(/^  mi:/m)));
    const args = extra(file);
    if (args.includes('__unset')) {
      args.splice(args.indexOf('__unset'), 1);
      vi.stubEnv(lab.env.password, '');
    } else {
      vi.stubEnv(lab.env.password, lab.password);
    }
    const before = lab.statementLog().length;
    const o = memoryOutput();
    expect(await runCli(['plan', 'split-brain-recovery', ...PARAMS, '--live', ...args], o)).toBe(exit);
    expect(o.stderr).toContain(code);
    expect(lab.statementLog().length).toBe(before);
  }, 30_000);
});
