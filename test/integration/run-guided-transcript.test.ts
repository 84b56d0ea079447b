/**
 * A guided session as the operator sees it, against the lab over TCP with the real mssql driver
 * and the real inquirer prompter on a terminal stream: the header with the runbook's caveats and
 * step summary, the evidence read just before the prompt, pause → `agmedic resume` → completes, the
 * per-action result line, the end-of-run summary; the lab's statement log shows the change once.
 */
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createInquirerPrompter } from '../../src/adapters/inquirer-prompter.js';
import { AgmedicError } from '../../src/errors.js';
import type { Prompter } from '../../src/ports/prompter.js';
import { memoryOutput } from '../../src/cli/output.js';
import { resumeCommand } from '../../src/cli/commands/resume.js';
import { runCommand } from '../../src/cli/commands/run.js';
import { auditRecords, FIXTURE, scriptedPrompter, startRunLab, statementsMatching, type RunLab } from './helpers/run-lab.js';

const DEMOTE = /^ALTER AVAILABILITY GROUP \[SalesLink\] SET \(ROLE = SECONDARY\)/;
const DOWN = '\x1b[B';
const ENTER = '\r';
const plain = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

function terminal() {
  const input = new PassThrough();
  const output = new PassThrough();
  let screen = '';
  output.on('data', (d: Buffer) => (screen += d.toString()));
  const prompter = createInquirerPrompter({ operator: 'tester', input, output, skipTTYChecks: true });
  const waitFor = async (text: string): Promise<void> => {
    const deadline = Date.now() + 15_000;
    while (!plain(screen).includes(text)) {
      if (Date.now() > deadline) throw new Error(`screen never showed ${text}:\n${plain(screen)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { prompter, waitFor, keys: (...ks: string[]) => ks.forEach((k) => input.write(k)), screen: () => plain(screen) };
}

let rl: RunLab;
beforeEach(async () => {
  rl = await startRunLab();
});
afterEach(async () => {
  await rl.close();
});

describe('a guided session transcript', () => {
  test('pause at the prompt → resume → completes: result line, summary, the change sent once', async () => {
    const t = terminal();
    const out1 = memoryOutput();
    const first = runCommand(FIXTURE, { param: ['link=SalesLink'], targets: rl.targets }, out1, { prompter: t.prompter, env: rl.env, interactive: true });
    await t.waitFor('pause (stop here');
    // The evidence was read just now, stamped with its time and where it was read.
    expect(t.screen()).toMatch(/evidence \(read just now, \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ, on sqlserver \(127\.0\.0\.1,\d+\), mi \(127\.0\.0\.1,\d+\)\):/);
    expect(t.screen()).toContain('roles.sqlserver[0]: role=PRIMARY');
    t.keys(DOWN, DOWN, ENTER); // skip → run it → pause
    expect(await first).toBe(6);
    const paused = out1.stdout;
    const runId = /agmedic resume (\S+)/.exec(paused)![1]!;
    expect(paused).toMatch(/^interrupted: paused before step demote/m);
    expect(paused.match(/agmedic resume /g)).toHaveLength(1); // the hint once
    // The header: title, description, and the one-line summary of what the runbook does.
    expect(out1.stderr).toContain('run-mechanics: Exercise the runtime');
    expect(out1.stderr).toMatch(/^steps: 2 checks, 1 change \(1 destructive\), 1 wait$/m);
    expect(statementsMatching(rl.lab, DEMOTE)).toHaveLength(0);

    const out2 = memoryOutput();
    const code = await resumeCommand(runId, {}, out2, { prompter: scriptedPrompter([{ answer: 'run', typed: 'SalesLink' }]), env: rl.env, interactive: true });
    expect(code, out2.stdout + out2.stderr).toBe(0);
    expect(out2.stdout).toMatch(/^fixed: /m);
    // After the action: how long it took and what its verify found.
    expect(out2.stderr).toMatch(/^ {2}executed in \d+(\.\d+)? m?s → verify: holds — sqlserver: role=SECONDARY$/m);
    // The end-of-run summary: the change with target and time, the audit run id and head hash.
    expect(out2.stdout).toMatch(/^ {2}changed:\n {4}\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ {2}demote on sqlserver \(127\.0\.0\.1,\d+\) \(\d+ ms\): ALTER AVAILABILITY GROUP \[SalesLink\] SET \(ROLE = SECONDARY\)$/m);
    const head = /audit run id (\S+), head hash ([0-9a-f]{64})/.exec(out2.stdout);
    expect(head?.[1]).toBe(runId);
    const records = auditRecords(rl.home);
    const end = records.filter((r) => r.runId === runId && r.type === 'run-end').at(-1)!;
    expect(end.hash).toBe(head![2]);
    expect(statementsMatching(rl.lab, DEMOTE)).toHaveLength(1);
    expect(records.filter((r) => r.runId === runId && r.type === 'abort').map((r) => r.reason)).toEqual(['paused at the prompt (resume later)']);
  }, 60_000);

  test('--json carries the same summary; abort asks again and "no" pauses instead', async () => {
    const t = terminal();
    const out = memoryOutput();
    const run = runCommand(FIXTURE, { param: ['link=SalesLink'], targets: rl.targets, json: true }, out, { prompter: t.prompter, env: rl.env, interactive: true });
    await t.waitFor('abort the run (final');
    t.keys(DOWN, DOWN, DOWN, ENTER); // abort
    await t.waitFor('abort the run (final: it cannot be resumed)\n');
    // inquirer draws a session's follow-up question lazily on these streams: answer it blind.
    await new Promise((r) => setTimeout(r, 300));
    t.keys('n', ENTER);
    expect(await run).toBe(6);
    const result = JSON.parse(out.stdout) as { outcome: string; summary: { changed: unknown[]; skipped: unknown[]; notAttempted: Array<{ step: string }>; audit: { runId: string; head: string } } };
    expect(result.outcome).toBe('interrupted');
    expect(result.summary).toMatchObject({ changed: [], skipped: [], notAttempted: [{ step: 'demote' }] });
    expect(result.summary.audit.head).toMatch(/^[0-9a-f]{64}$/);
  }, 60_000);

  test('Ctrl-C at a prompt (the prompt sees it, not the process) stops at once, resumable, the hint printed once', async () => {
    // On a terminal inquirer reads ^C itself (raw mode) and rejects; no SIGINT reaches the process.
    const ctrlC: Prompter = {
      kind: 'guided',
      operator: 'tester',
      confirm: async () => Promise.reject(new AgmedicError('CANCELLED', 'the prompt was interrupted')),
      decide: async () => Promise.reject(new AgmedicError('CANCELLED', 'the prompt was interrupted')),
    };
    const out = memoryOutput();
    const started = Date.now();
    const code = await runCommand(FIXTURE, { param: ['link=SalesLink'], targets: rl.targets }, out, { prompter: ctrlC, env: rl.env, interactive: true });
    expect(code).toBe(6);
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(out.stdout).toMatch(/^interrupted: interrupted at step demote; continue with: agmedic resume \S+$/m);
    expect(out.stdout.match(/agmedic resume /g)).toHaveLength(1);
    const runId = /agmedic resume (\S+)/.exec(out.stdout)![1]!;
    const resumed = await resumeCommand(runId, { json: true }, memoryOutput(), { prompter: scriptedPrompter([{ answer: 'skip' }]), env: rl.env, interactive: true });
    expect(resumed).toBe(5); // resumable: the question is asked again (and declined here)
  }, 60_000);
});
