/**
 * Issue 13: `diagnose` loads its rules through a cache of checked rule sets
 * (src/cli/load-rules-cached.ts). An entry stands for exactly these rule files and the runbooks
 * they name; a changed file, a rule set with an error or a damaged entry never comes from it.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRulesCached } from '../../src/cli/load-rules-cached.js';
import { listRuleFiles, loadRules } from '../../src/diagnose/load-rules.js';
import type { Rule } from '../../src/diagnose/types.js';
import { isAgmedicError } from '../../src/errors.js';
import { shippedRunbooksDir } from '../../src/runbook/read-runbook.js';

const tmp = mkdtempSync(join(tmpdir(), 'agmedic-rules-cache-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of the shipped runbooks and rules, and an empty cache folder. */
function fresh(name: string): { runbooksDir: string; cache: string } {
  const dir = mkdtempSync(join(tmp, `${name}-`));
  cpSync(shippedRunbooksDir(), join(dir, 'runbooks'), { recursive: true });
  mkdirSync(join(dir, 'cache'));
  return { runbooksDir: join(dir, 'runbooks'), cache: join(dir, 'cache') };
}

/** loadRules itself, on the copy's rules folder. */
const direct = (runbooksDir: string) => loadRules({ runbooksDir, files: listRuleFiles(join(runbooksDir, 'rules')) });
const plain = (rules: Rule[]) => rules.map(({ locate, ...rest }) => ({ ...rest, at: locate([]) }));

describe('loadRulesCached', () => {
  it('returns the rules loadRules returns, and keeps them for the next start', async () => {
    const { runbooksDir, cache } = fresh('same');
    const first = await loadRulesCached({ runbooksDir }, cache);
    expect(plain(first)).toEqual(plain(direct(runbooksDir)));
    expect(first.length).toBeGreaterThan(10);
    expect(readdirSync(cache)).toHaveLength(1);
    const second = await loadRulesCached({ runbooksDir }, cache);
    expect(plain(second)).toEqual(plain(first));
  });

  it('reads the entry for unchanged files, and never when a rules file or a named runbook changed', async () => {
    const { runbooksDir, cache } = fresh('changed');
    await loadRulesCached({ runbooksDir }, cache);
    // Proof that the next load came from the entry: an entry edited by hand is what it returns.
    const [entry] = readdirSync(cache);
    const stored = JSON.parse(readFileSync(join(cache, entry!), 'utf8')) as Array<{ severity: string }>;
    stored[0]!.severity = 'from-the-cache';
    writeFileSync(join(cache, entry!), JSON.stringify(stored));
    expect((await loadRulesCached({ runbooksDir }, cache))[0]!.severity).toBe('from-the-cache');

    const ruleFile = join(runbooksDir, 'rules', readdirSync(join(runbooksDir, 'rules'))[0]!);
    writeFileSync(ruleFile, `# edited\n${readFileSync(ruleFile, 'utf8')}`);
    expect((await loadRulesCached({ runbooksDir }, cache))[0]!.severity).not.toBe('from-the-cache');

    const afterRuleEdit = readdirSync(cache).length;
    const runbook = join(runbooksDir, 'split-brain-recovery.yaml');
    writeFileSync(runbook, `# edited\n${readFileSync(runbook, 'utf8')}`);
    await loadRulesCached({ runbooksDir }, cache);
    expect(readdirSync(cache).length).toBe(afterRuleEdit + 1);
  });

  it('checks for real when an entry is damaged', async () => {
    const { runbooksDir, cache } = fresh('damaged');
    await loadRulesCached({ runbooksDir }, cache);
    const [entry] = readdirSync(cache);
    writeFileSync(join(cache, entry!), '[{"id": ');
    expect(plain(await loadRulesCached({ runbooksDir }, cache))).toEqual(plain(direct(runbooksDir)));
  });

  it('refuses a rule set with an error exactly as loadRules does, and stores nothing', async () => {
    const { runbooksDir, cache } = fresh('bad');
    const ruleFile = join(runbooksDir, 'rules', readdirSync(join(runbooksDir, 'rules'))[0]!);
    writeFileSync(ruleFile, readFileSync(ruleFile, 'utf8').replace(/severity: \w+/, 'severity: dreadful'));
    const err = await loadRulesCached({ runbooksDir }, cache).catch((e: unknown) => e);
    expect(isAgmedicError(err)).toBe(true);
    expect(() => direct(runbooksDir)).toThrow((err as Error).message);
    expect(readdirSync(cache)).toEqual([]);
  });
});
