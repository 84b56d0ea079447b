/**
 * The run lock survives reconnects (issue 14, item 2) and a lost connection is never a timeout
 * (item 3). Real mssql driver over TCP against the lab; faults through the lab's control handle.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { memoryOutput } from '../../src/cli/output.js';
import { resumeCommand } from '../../src/cli/commands/resume.js';
import { runCommand } from '../../src/cli/commands/run.js';
import type { ConfirmAnswer, ConfirmRequest } from '../../src/ports/prompter.js';
import { auditRecords, FIXTURE, scriptedPrompter, startRunLab, statementsMatching, type RunLab } from './helpers/run-lab.js';

let rl: RunLab;
beforeEach(async () => {
  rl = await startRunLab();
});
afterEach(async () => {
  await rl.close();
});

const ALTER = /^ALTER AVAILABILITY GROUP/;

/** A prompter that stops at its first confirmation until the test releases it. */
function heldPrompter(): { prompter: ReturnType<typeof scriptedPrompter>; reached: Promise<ConfirmRequest>; release: (a: ConfirmAnswer) => void } {
  let release!: (a: ConfirmAnswer) => void;
  const held = new Promise<ConfirmAnswer>((r) => (release = r));
  let atPrompt!: (req: ConfirmRequest) => void;
  const reached = new Promise<ConfirmRequest>((r) => (atPrompt = r));
  const base = scriptedPrompter([]);
  const prompter = {
    ...base,
    confirm: async (req: ConfirmRequest) => {
      atPrompt(req);
      return held;
    },
  };
  return { prompter: prompter as ReturnType<typeof scriptedPrompter>, reached, release };
}

describe('the run lock and lost connections', () => {
  test('connections dropped while run 1 holds the lock: run 2 takes it, run 1 sends nothing more and stops resumably naming run 2', async () => {
    const one = heldPrompter();
    const out1 = memoryOutput();
    const run1 = runCommand(FIXTURE, { param: ['link=SalesLink'], targets: rl.targets, json: true }, out1, { prompter: one.prompter, env: rl.env });
    await Promise.race([one.reached, run1.then((c) => Promise.reject(new Error(`run 1 ended (${c}) before its prompt: ${out1.stdout}`)))]); // run 1 holds the lock and waits at the demote confirmation

    rl.lab.control.dropConnections('sqlserver');
    rl.lab.control.dropConnections('mi');
    await new Promise((r) => setTimeout(r, 100));

    // Run 2 (another operator) gets the lock that went with run 1's sessions.
    const two = heldPrompter();
    const out2 = memoryOutput();
    const run2 = runCommand(FIXTURE, { param: ['link=SalesLink'], targets: rl.targets, json: true }, out2, { prompter: two.prompter, env: { ...rl.env, AGMEDIC_OPERATOR: 'second' } });
    await Promise.race([two.reached, run2.then((c) => Promise.reject(new Error(`run 2 ended (${c}) before its prompt: ${out2.stdout}${out2.stderr}`)))]);

    // Run 1's operator now confirms: before anything is sent, its lock must be proven — and it is gone.
    const sentBefore = rl.lab.statementLog().length;
    one.release({ answer: 'run', typed: 'SalesLink' });
    expect(await run1).toBe(4);
    const r1 = JSON.parse(out1.stdout) as { runId: string; outcome: string; code: string; message: string };
    const sentByRun1 = rl.lab.statementLog().slice(sentBefore).map((s) => s.text);
    // Only the lock's own traffic: a new session's set-up (the driver's SET options and pool probe),
    // the session id, the re-acquire attempt and the holder lookup. No check, no change.
    for (const text of sentByRun1) expect(text).toMatch(/^(set |SELECT 1$|SELECT @@SPID AS spid$|EXEC sp_getapplock|SELECT host_name, program_name, login_time FROM sys\.dm_exec_sessions)/i);
    expect(sentByRun1.some((t) => /role_desc|ALTER/.test(t))).toBe(false);
    expect(r1).toMatchObject({ code: 'LOCK_LOST' });

    two.release({ answer: 'run', typed: 'SalesLink' });
    expect(await run2).toBe(0);
    const r2 = JSON.parse(out2.stdout) as { runId: string; outcome: string };
    expect(r1.message).toContain(r2.runId);
    expect(statementsMatching(rl.lab, ALTER)).toHaveLength(1);
    const alterBy = auditRecords(rl.home).filter((r) => r.type === 'statement' && ALTER.test(String(r.text))).map((r) => r.runId);
    expect(alterBy).toEqual([r2.runId]);

    // Run 1 stayed resumable: resuming it now (run 2 has ended) settles on the fixed world.
    const resumed = memoryOutput();
    const code = await resumeCommand(r1.runId, { json: true }, resumed, { prompter: scriptedPrompter([]), env: rl.env });
    expect([0, 4, 5]).toContain(code);
    expect(statementsMatching(rl.lab, ALTER)).toHaveLength(1);
  }, 60_000);

  test('a connection lost during a wait with onFail stops the run resumably instead of taking onFail', async () => {
    const withOnFail = readFileSync(FIXTURE, 'utf8').replace('      progress: { label: gate, value: "rows[0].n", total: "params.gate" }\n', '      progress: { label: gate, value: "rows[0].n", total: "params.gate" }\n    onFail: after\n');
    expect(withOnFail).toContain('onFail: after');
    const file = join(rl.home, 'wait-onfail.yaml');
    writeFileSync(file, withOnFail);
    const out = memoryOutput();
    const run = runCommand(file, { param: ['link=SalesLink', 'gate=2'], targets: rl.targets, json: true }, out, { prompter: scriptedPrompter([]), env: rl.env });
    const deadline = Date.now() + 20_000;
    while (statementsMatching(rl.lab, /^SELECT 1 AS n$/).length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // Connections reset and new ones refused: the next poll cannot ask (CONNECT_FAILED).
    rl.lab.control.refuseConnections('sqlserver', true);
    rl.lab.control.dropConnections('sqlserver');
    const code = await run;
    rl.lab.control.refuseConnections('sqlserver', false);
    const result = JSON.parse(out.stdout) as { runId: string; outcome: string; code: string; step: string; route: Array<{ step: string }> };
    expect(result).toMatchObject({ code: 'CONNECT_FAILED', step: 'settle' });
    expect(code).toBe(7);
    // The onFail route was not taken: `after` never ran.
    expect(result.route.map((r) => r.step)).not.toContain('after');

    // And the run resumes at the wait.
    const ac = new AbortController();
    const out2 = memoryOutput();
    const resumed = resumeCommand(result.runId, { json: true }, out2, { prompter: scriptedPrompter([]), env: rl.env, signal: ac.signal });
    const before = statementsMatching(rl.lab, /^SELECT 1 AS n$/).length;
    while (statementsMatching(rl.lab, /^SELECT 1 AS n$/).length <= before && Date.now() < deadline + 20_000) await new Promise((r) => setTimeout(r, 20));
    ac.abort('SIGINT');
    expect(await resumed).toBe(6);
    expect(JSON.parse(out2.stdout)).toMatchObject({ outcome: 'interrupted', route: [{ step: 'settle' }] });
  }, 60_000);
});
