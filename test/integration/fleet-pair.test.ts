/**
 * `--pair` picks one link of a fleet's targets file (what `agmedic diagnose` recommends for it):
 * a live plan for pair 2 reads pair 2's instances, and only those.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { memoryOutput } from '../../src/cli/output.js';
import { runCli } from '../../src/cli/program.js';
import { startLab, type Lab } from '../../src/lab/index.js';

const dir = mkdtempSync(join(tmpdir(), 'agmedic-fleet-pair-'));
let lab: Lab;
beforeAll(async () => {
  lab = await startLab({ pairs: 2, scenarios: ['healthy', 'split-brain'] });
  vi.stubEnv(lab.env.password, lab.password);
  vi.stubEnv(lab.env.armToken, lab.armToken);
  vi.stubEnv('AGMEDIC_HOME', join(dir, 'home'));
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await lab?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('--pair', () => {
  it('plan --live --pair 2 reads pair 2 (split brain) and never pair 1', async () => {
    const targets = join(dir, 'fleet.yaml');
    lab.writeTargets(targets);
    const out = join(dir, 'plan.json');
    const before = lab.statementLog().length;
    const o = memoryOutput();
    const code = await runCli(['plan', 'split-brain-recovery', '-p', 'link=SalesLink', '-p', 'keep=managedInstance', '--live', '-t', targets, '--pair', '2', '--out', out], o);
    expect(o.stderr).toBe('');
    expect(code).toBe(0);
    const plan = JSON.parse(readFileSync(out, 'utf8')) as { live: { route: Array<{ step: string }> } };
    // Both sides PRIMARY is what routes a live plan past "not split brain"; pair 1 is healthy.
    expect(plan.live.route.map((r) => r.step)).not.toContain('not_split');
    const sent = lab.statementLog().slice(before);
    expect(sent.length).toBeGreaterThan(0);
    expect(new Set(sent.map((s) => s.pair))).toEqual(new Set([2]));
  });

  it('names the pairs a file has when asked for one it has not', async () => {
    const targets = join(dir, 'fleet2.yaml');
    lab.writeTargets(targets);
    const o = memoryOutput();
    const code = await runCli(['plan', 'split-brain-recovery', '-p', 'link=SalesLink', '-p', 'keep=managedInstance', '--live', '-t', targets, '--pair', '7'], o);
    expect(code).not.toBe(0);
    expect(o.stderr).toMatch(/UNKNOWN_TARGET .*no pair "7".*default, 2/);
  });
});
