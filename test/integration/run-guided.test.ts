/**
 * Guided runs at the Prompter port, against the lab over TCP with the real mssql driver:
 * confirm, skip, abort and a wrong typed name; the audit trail of each; no-TTY refusal.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { memoryOutput } from '../../src/cli/output.js';
import { runCommand } from '../../src/cli/commands/run.js';
import { auditRecords, FIXTURE, scriptedPrompter, startRunLab, statementsMatching, type RunLab } from './helpers/run-lab.js';

const DEMOTE = /^ALTER AVAILABILITY GROUP \[SalesLink\] SET \(ROLE = SECONDARY\)/;
let rl: RunLab;
beforeEach(async () => {
  rl = await startRunLab();
});
afterEach(async () => {
  await rl.close();
});

const run = (prompter: ReturnType<typeof scriptedPrompter>, extra: string[] = []) => {
  const out = memoryOutput();
  const code = runCommand(FIXTURE, { param: ['link=SalesLink', ...extra], targets: rl.targets, json: true }, out, { prompter, env: rl.env, interactive: false });
  return { out, code };
};

describe('guided run through the Prompter port', () => {
  test('confirm with the typed link name: the destructive step runs once and the run is fixed', async () => {
    const prompter = scriptedPrompter([{ answer: 'run', typed: 'SalesLink' }]);
    const { out, code } = run(prompter);
    expect(await code).toBe(0);
    const result = JSON.parse(out.stdout) as { outcome: string; route: Array<{ step: string; via?: string }>; runId: string };
    expect(result.outcome).toBe('fixed');
    expect(result.route.map((r) => r.step)).toEqual(['roles', 'not-split', 'settle', 'demote', 'after', 'done']);
    expect(result.route[1]!.via).toBe('skip');
    expect(statementsMatching(rl.lab, DEMOTE)).toHaveLength(1);
    expect(rl.lab.control.roles().sqlserver).not.toBe('PRIMARY');

    const req = prompter.asked[0]!;
    expect(req).toMatchObject({ step: 'demote', impact: 'destructive', typeToConfirm: { param: 'link', expected: 'SalesLink' } });
    expect('statement' in req && req.statement?.sql).toBe('ALTER AVAILABILITY GROUP [SalesLink] SET (ROLE = SECONDARY)');
    expect('targets' in req && req.targets[0]!.server).toMatch(/^sqlserver \(127\.0\.0\.1,\d+\)$/);
    expect('evidence' in req && req.evidence.map((e) => e.label)).toEqual(['roles.sqlserver', 'roles.mi']);

    const records = auditRecords(rl.home).filter((r) => r.runId === result.runId);
    const types = records.map((r) => r.type);
    expect(types[0]).toBe('run-start');
    expect(types.at(-1)).toBe('run-end');
    expect(records.find((r) => r.type === 'prompt')).toMatchObject({ step: 'demote', answer: 'run', operator: 'tester' });
    expect(records.find((r) => r.type === 'skip')).toMatchObject({ step: 'not-split' });
    const demote = records.find((r) => r.type === 'statement' && String(r.text).startsWith('ALTER'));
    expect(demote).toMatchObject({ target: 'sqlserver', outcome: { status: 'ok' } });
    const roleQuery = records.find((r) => r.type === 'statement' && r.step === 'roles');
    expect(roleQuery).toMatchObject({ parameters: { link: 'SalesLink' } });
    // The journal: intent then outcome for the destructive statement, and a snapshot.
    const runDir = join(rl.home, 'runs', result.runId);
    expect(readdirSync(runDir).sort()).toEqual(['facts.jsonl', 'journal.jsonl', 'manifest.json', 'snapshot.json']);
  });

  test('skip: the destructive step is never sent, and the run ends manual naming it — never "fixed"', async () => {
    const prompter = scriptedPrompter([{ answer: 'skip' }]);
    const { out, code } = run(prompter);
    expect(await code).toBe(5);
    const result = JSON.parse(out.stdout) as { outcome: string; step: string; route: Array<{ step: string }>; summary: { changed: unknown[]; skipped: Array<{ step: string }>; notAttempted: unknown[] } };
    expect(result).toMatchObject({ outcome: 'manual', step: 'demote' });
    // Nothing after the skipped change runs: its verify-free successors assume it happened.
    expect(result.route.map((r) => r.step)).toEqual(['roles', 'not-split', 'settle', 'demote']);
    expect(result.summary).toMatchObject({ changed: [], skipped: [{ step: 'demote' }], notAttempted: [] });
    expect(statementsMatching(rl.lab, DEMOTE)).toHaveLength(0);
    const records = auditRecords(rl.home);
    expect(records.filter((r) => r.type === 'skip').map((r) => r.step)).toEqual(['not-split', 'demote']);
    expect(records.at(-1)).toMatchObject({ type: 'run-end', outcome: 'manual' });
  });

  test('abort: nothing is sent, exit code 6, abort recorded', async () => {
    const prompter = scriptedPrompter([{ answer: 'abort' }]);
    const { out, code } = run(prompter);
    expect(await code).toBe(6);
    expect(JSON.parse(out.stdout)).toMatchObject({ outcome: 'aborted' });
    expect(statementsMatching(rl.lab, DEMOTE)).toHaveLength(0);
    expect(auditRecords(rl.home).find((r) => r.type === 'abort')).toMatchObject({ by: 'operator', step: 'demote' });
  });

  test('a wrong typed name is refused and asked again; the right one runs the step', async () => {
    const prompter = scriptedPrompter([{ answer: 'run', typed: 'SalesLinx' }, { answer: 'run', typed: 'SalesLink' }]);
    const { code } = run(prompter);
    expect(await code).toBe(0);
    expect(prompter.asked).toHaveLength(2);
    expect((prompter.asked[1] as { retryReason?: string }).retryReason).toMatch(/did not match/);
    expect(statementsMatching(rl.lab, DEMOTE)).toHaveLength(1);
    expect(auditRecords(rl.home).filter((r) => r.type === 'prompt').map((r) => r.answer)).toEqual(['run (typed name did not match)', 'run']);
  });

  test('three wrong typed names abort the run without sending anything', async () => {
    const wrong = { answer: 'run' as const, typed: 'nope' };
    const { code } = run(scriptedPrompter([wrong, wrong, wrong]));
    expect(await code).toBe(6);
    expect(statementsMatching(rl.lab, DEMOTE)).toHaveLength(0);
  });

  test('no terminal and not unattended: refused at once, before connecting (exit 4)', async () => {
    const out = memoryOutput();
    const before = rl.lab.statementLog().length;
    const code = await runCommand(FIXTURE, { param: ['link=SalesLink'], targets: rl.targets }, out, { env: rl.env, interactive: false }).catch((e: { code: string }) => e.code);
    expect(code).toBe('NO_TTY');
    expect(rl.lab.statementLog().length).toBe(before);
    expect(existsSync(join(rl.home, 'runs'))).toBe(false);
  });
});
