/**
 * The guided Prompter adapter at the inquirer level: the operator sees target, statement and
 * evidence; run needs the exact link name typed (a wrong one is refused and asked again); skip and
 * abort; decide is a select with the policy's choice preselected; Ctrl-C interrupts a prompt.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { createInquirerPrompter } from '../../src/adapters/inquirer-prompter.js';
import type { ConfirmRequest } from '../../src/ports/prompter.js';

const DOWN = '\x1b[B';
const ENTER = '\r';

function terminal() {
  const input = new PassThrough();
  const output = new PassThrough();
  let screen = '';
  output.on('data', (d: Buffer) => (screen += d.toString()));
  const prompter = createInquirerPrompter({ operator: 'op', input, output, skipTTYChecks: true });
  const waitFor = async (text: string | RegExp): Promise<void> => {
    const plain = () => screen.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    const deadline = Date.now() + 5000;
    while (!(typeof text === 'string' ? plain().includes(text) : text.test(plain()))) {
      if (Date.now() > deadline) throw new Error(`screen never showed ${String(text)}:\n${plain()}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const keys = (...ks: string[]) => {
    for (const k of ks) input.write(k);
  };
  return { prompter, waitFor, keys, screen: () => screen };
}

const request: ConfirmRequest = {
  runId: 'r1',
  step: 'demote',
  title: 'Make SQL Server a secondary',
  impact: 'destructive',
  targets: [{ role: 'sqlserver', server: 'sqlserver (127.0.0.1,11433)' }],
  statement: { sql: 'ALTER AVAILABILITY GROUP [SalesLink] SET (ROLE = SECONDARY)', params: {} },
  evidence: [{ label: 'roles.sqlserver', value: [{ role: 'PRIMARY' }] }, { label: 'lsnGap', value: 1234 }],
  typeToConfirm: { param: 'link', expected: 'SalesLink' },
};

describe('inquirer prompter', () => {
  test('shows target, statement and evidence; run needs the exact name, a wrong one is refused', async () => {
    const t = terminal();
    const answer = t.prompter.confirm(request, new AbortController().signal);
    await t.waitFor('skip this step');
    expect(t.screen()).toContain('sqlserver (127.0.0.1,11433)');
    expect(t.screen()).toContain('ALTER AVAILABILITY GROUP [SalesLink] SET (ROLE = SECONDARY)');
    expect(t.screen()).toContain('roles.sqlserver[0]: role=PRIMARY');
    expect(t.screen()).toContain('lsnGap: 1234');
    t.keys(DOWN, ENTER); // "run it"
    await t.waitFor('✔ Run this DESTRUCTIVE step? run it');
    // The name prompt attaches to the input a moment after the select closes, and draws on its first keypress.
    // (inquirer draws the second question of a session lazily on these streams: assert on the answer.)
    await new Promise((r) => setTimeout(r, 300));
    let settled = false;
    void answer.then(() => (settled = true));
    t.keys('SalesLinx', ENTER);
    await new Promise((r) => setTimeout(r, 300));
    expect(settled).toBe(false); // the wrong name was refused
    for (let i = 0; i < 9; i++) t.keys('\x7f');
    t.keys('SalesLink', ENTER);
    await expect(answer).resolves.toEqual({ answer: 'run', typed: 'SalesLink' });
  });

  test('skip is the default; then run, pause, and abort (final, asked again) last', async () => {
    const t1 = terminal();
    const skip = t1.prompter.confirm(request, new AbortController().signal);
    await t1.waitFor('skip this step');
    t1.keys(ENTER);
    await expect(skip).resolves.toEqual({ answer: 'skip' });

    const t2 = terminal();
    const pause = t2.prompter.confirm(request, new AbortController().signal);
    await t2.waitFor('skip this step');
    t2.keys(DOWN, DOWN, ENTER);
    await expect(pause).resolves.toEqual({ answer: 'pause' });

    // Abort is final, so it is asked again: yes aborts, no pauses (the run stays resumable).
    for (const [key, answer] of [['y', 'abort'], ['n', 'pause']] as const) {
      const t3 = terminal();
      const abort = t3.prompter.confirm(request, new AbortController().signal);
      await t3.waitFor('abort the run (final');
      t3.keys(DOWN, DOWN, DOWN, ENTER);
      await t3.waitFor('✔');
      // The follow-up question of a session is drawn lazily on these streams: answer it blind.
      await new Promise((r) => setTimeout(r, 300));
      t3.keys(key, ENTER);
      await expect(abort).resolves.toEqual({ answer });
    }
  });

  test('decide preselects the policy choice; Ctrl-C (the signal) interrupts a prompt', async () => {
    const t = terminal();
    const choice = t.prompter.decide(
      { runId: 'r1', step: 'pick', title: 'Pick', prompt: 'Which side stays primary?', choices: [{ index: 0, label: 'SQL Server', next: 'a' }, { index: 1, label: 'managed instance', next: 'b' }], policyChoice: 1, evidence: [] },
      new AbortController().signal,
    );
    await t.waitFor('managed instance (suggested)');
    t.keys(ENTER);
    await expect(choice).resolves.toEqual({ answer: 'choose', index: 1 });

    const t2 = terminal();
    const ac = new AbortController();
    const pending = t2.prompter.confirm(request, ac.signal);
    await t2.waitFor('skip this step');
    ac.abort('SIGINT');
    await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});
