/**
 * A known-good entry (src/cli/known-good.ts) must stand in for the check it stores exactly:
 * for every shipped runbook, the entry read back gives the same model, compiled machine, proof,
 * warnings, sha256, plan and graph as checking the runbook for real.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readKnownGood, writeKnownGood } from '../../src/cli/known-good.js';
import { checkSource } from '../../src/cli/load-and-compile.js';
import { buildPlan, renderGraph, renderPlan } from '../../src/compile/index.js';
import { runbookSha256 } from '../../src/runbook/canonical.js';
import { readRunbookSource, shippedRunbooksDir } from '../../src/runbook/read-runbook.js';

const dir = mkdtempSync(join(tmpdir(), 'agmedic-known-good-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const runbooksDir = shippedRunbooksDir();
const names = readdirSync(runbooksDir).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, ''));

describe.each(names)('%s', (name) => {
  it('reads back as the same check, plan and graph', () => {
    const source = readRunbookSource(name, { runbooksDir });
    const fresh = checkSource(source);
    const sha256 = runbookSha256(fresh.runbook!);
    expect(writeKnownGood(fresh, sha256, dir)).toBeDefined();
    const hit = readKnownGood(source, dir)!;
    expect(hit.sha256).toBe(sha256);
    expect(runbookSha256(hit.runbook!)).toBe(sha256);
    expect(hit.runbook).toStrictEqual(JSON.parse(JSON.stringify(fresh.runbook)));
    expect(hit.compiled).toEqual(fresh.compiled);
    expect(hit.diagnostics).toEqual(fresh.diagnostics);
    expect(renderGraph(hit.compiled!, 'dot')).toBe(renderGraph(fresh.compiled!, 'dot'));
    const values = Object.fromEntries(Object.keys(fresh.runbook!.parameters).map((p) => [p, 'x']));
    const plan = (c: typeof fresh) => renderPlan(buildPlan(c.runbook!, c.compiled!, values, { sha256 }), 'json', { color: false });
    expect(plan(hit)).toBe(plan(fresh));
  });
});

describe('entries', () => {
  it('are found by the exact text only, and never written for a runbook with an error', () => {
    const source = readRunbookSource(names[0]!, { runbooksDir });
    const fresh = checkSource(source);
    writeKnownGood(fresh, runbookSha256(fresh.runbook!), dir);
    expect(readKnownGood({ ...source, text: `${source.text}\n# edited\n` }, dir)).toBeUndefined();
    expect(readKnownGood(source, undefined)).toBeUndefined(); // not running from the bundle
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'apiVersion: agmedic/v1\nkind: Runbook\n');
    const bad = checkSource(readRunbookSource(broken, { runbooksDir }));
    expect(writeKnownGood(bad, 'x', dir)).toBeUndefined();
  });
});
