import { readFileSync, writeFileSync } from 'node:fs';
/**
 * One operator at a time (sp_getapplock held by a live run refuses a second run, naming the holder)
 * and Ctrl-C during a wait (the run stops, records it, and stays resumable).
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { memoryOutput } from '../../src/cli/output.js';
import { resumeCommand } from '../../src/cli/commands/resume.js';
import { runCommand } from '../../src/cli/commands/run.js';
import type { ConfirmAnswer } from '../../src/ports/prompter.js';
import { auditRecords, FIXTURE, scriptedPrompter, startRunLab, statementsMatching, type RunLab } from './helpers/run-lab.js';

let rl: RunLab;
beforeEach(async () => {
  rl = await startRunLab();
});
afterEach(async () => {
  await rl.close();
});

describe('locking and interruption', () => {
  test('a second run on the same link is refused with the holder’s run id, operator, host and start time', async () => {
    let release!: (a: ConfirmAnswer) => void;
    const held = new Promise<ConfirmAnswer>((r) => (release = r));
    let atPrompt!: () => void;
    const reached = new Promise<void>((r) => (atPrompt = r));
    const first = scriptedPrompter([
      () => {
        atPrompt();
        return { answer: 'skip' };
      },
    ]);
    const waiting = { ...first, confirm: async (...args: Parameters<typeof first.confirm>) => (await first.confirm(...args), held) };
    const out1 = memoryOutput();
    const run1 = runCommand(FIXTURE, { param: ['link=SalesLink'], targets: rl.targets, json: true }, out1, { prompter: waiting, env: rl.env });
    await reached;

    const err = await runCommand(FIXTURE, { param: ['link=SalesLink'], targets: rl.targets, json: true }, memoryOutput(), {
      prompter: scriptedPrompter([]),
      env: { ...rl.env, AGMEDIC_OPERATOR: 'second' },
    }).catch((e: { code: string; message: string; details: Record<string, unknown> }) => e);
    expect(err).toMatchObject({ code: 'LOCK_HELD' });
    const e = err as unknown as { message: string; details: { holder: { runId: string; operator: string; host: string; since: string } } };
    expect(e.details.holder).toMatchObject({ operator: 'tester' });
    expect(e.details.holder.runId).toMatch(/^\d{8}-\d{6}-[0-9a-f]{4}$/);
    expect(e.details.holder.since).toBeTruthy();
    expect(e.message).toContain(e.details.holder.runId);

    release({ answer: 'skip' });
    // A declined change ends the run "manual" (exit 5), naming the step.
    expect(await run1).toBe(5);
    expect(JSON.parse(out1.stdout).runId).toBe(e.details.holder.runId);
    // The lock went with the first run's sessions: a third run may start.
    expect(await runCommand(FIXTURE, { param: ['link=SalesLink'], targets: rl.targets, json: true }, memoryOutput(), { prompter: scriptedPrompter([{ answer: 'skip' }]), env: rl.env })).toBe(5);
  }, 60_000);

  test('Ctrl-C during a wait: recorded, exit 6, the run resumes at the wait', async () => {
    const ac = new AbortController();
    const out = memoryOutput();
    const progress: number[] = [];
    const run = runCommand(FIXTURE, { param: ['link=SalesLink', 'gate=2'], targets: rl.targets, json: true }, out, { prompter: scriptedPrompter([]), env: rl.env, signal: ac.signal });
    // Two polls of the wait have reached the lab: the run is waiting.
    const deadline = Date.now() + 20_000;
    while (statementsMatching(rl.lab, /^SELECT 1 AS n$/).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    progress.push(statementsMatching(rl.lab, /^SELECT 1 AS n$/).length);
    ac.abort('SIGINT');
    expect(await run).toBe(6);
    const result = JSON.parse(out.stdout) as { runId: string; outcome: string; step: string };
    expect(result).toMatchObject({ outcome: 'interrupted', step: 'settle' });
    const records = auditRecords(rl.home).filter((r) => r.runId === result.runId);
    expect(records.find((r) => r.type === 'abort')).toMatchObject({ by: 'signal', step: 'settle', reason: 'SIGINT' });
    expect(records.at(-1)).toMatchObject({ type: 'run-end', outcome: 'interrupted' });

    // A targets file that now points a role at another server is refused before anything is sent:
    // the journal's "done" and "in doubt" are about the servers the run started on.
    const original = readFileSync(rl.targets, 'utf8');
    writeFileSync(rl.targets, original.replace(`port: ${rl.lab.sqlserver.port}`, 'port: 1'));
    const sentBefore = rl.lab.statementLog().length;
    await expect(resumeCommand(result.runId, { json: true }, memoryOutput(), { prompter: scriptedPrompter([]), env: rl.env })).rejects.toMatchObject({
      code: 'TARGETS_CHANGED',
      message: expect.stringMatching(/sqlserver at 127\.0\.0\.1,1 \(the run started on 127\.0\.0\.1,\d+\)/),
    });
    expect(rl.lab.statementLog().length).toBe(sentBefore);
    writeFileSync(rl.targets, original);

    // Resumable: it continues at the wait (and can be interrupted again).
    const ac2 = new AbortController();
    const out2 = memoryOutput();
    const resumed = resumeCommand(result.runId, { json: true }, out2, { prompter: scriptedPrompter([]), env: rl.env, signal: ac2.signal });
    const before = statementsMatching(rl.lab, /^SELECT 1 AS n$/).length;
    while (statementsMatching(rl.lab, /^SELECT 1 AS n$/).length <= before && Date.now() < deadline + 20_000) await new Promise((r) => setTimeout(r, 20));
    ac2.abort('SIGINT');
    expect(await resumed).toBe(6);
    expect(JSON.parse(out2.stdout)).toMatchObject({ outcome: 'interrupted', route: [{ step: 'settle' }] });
    expect(progress[0]).toBeGreaterThanOrEqual(2);
  }, 60_000);
});
