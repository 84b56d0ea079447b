/**
 * Steps skipped by their `when` at the very start of a run (while xstate computes the initial
 * state, before the actor exists) are on the route and in the audit log like any other skip.
 * Against the lab over TCP with the real mssql driver.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { runCommand } from '../../src/cli/commands/run.js';
import { memoryOutput } from '../../src/cli/output.js';
import { auditRecords, scriptedPrompter, startRunLab, type RunLab } from './helpers/run-lab.js';

const RUNBOOK = `apiVersion: agmedic/v1
kind: Runbook
metadata:
  name: initial-skips
  title: Two parameter guards before the first query
parameters:
  mode: { type: enum, values: [normal, dry], default: normal, description: dry ends at once }
targets: [sqlserver]
steps:
  - id: dry_guard
    title: End at once in dry mode
    when: "params.mode == 'dry'"
    end: { outcome: nothing-to-do, message: dry mode }
  - id: second_guard
    title: Another guard that does not apply
    when: "params.mode == 'other'"
    end: { outcome: refused, message: never }
  - id: name
    title: Read the server name
    check:
      on: sqlserver
      sql: SELECT @@SERVERNAME AS name
      expect: "rows.size() == 1"
  - id: done
    title: Done
    end: { outcome: fixed, message: read }
`;

let rl: RunLab;
beforeEach(async () => {
  rl = await startRunLab();
});
afterEach(async () => {
  await rl.close();
});

describe('skips while the initial state is computed', () => {
  test('are on the route, with a skip record each, in order, after run-start', async () => {
    const file = join(rl.home, 'initial-skips.yaml');
    writeFileSync(file, RUNBOOK);
    const out = memoryOutput();
    const code = await runCommand(file, { param: [], targets: rl.targets, json: true }, out, { prompter: scriptedPrompter([]), env: rl.env, interactive: false });
    expect(code).toBe(0);
    const result = JSON.parse(out.stdout) as { outcome: string; runId: string; route: Array<{ step: string; via?: string }> };
    expect(result.outcome).toBe('fixed');
    expect(result.route).toEqual([
      { step: 'dry_guard', via: 'skip' },
      { step: 'second_guard', via: 'skip' },
      { step: 'name', via: 'next' },
      { step: 'done' },
    ]);
    const records = auditRecords(rl.home).filter((r) => r.runId === result.runId);
    expect(records.map((r) => (r.type === 'step' ? `${String(r.step)}:${String(r.phase)}` : r.type === 'skip' ? `skip ${String(r.step)}` : r.type))).toEqual([
      'run-start',
      'dry_guard:start',
      'skip dry_guard',
      'second_guard:start',
      'skip second_guard',
      'name:start',
      'statement',
      'name:end',
      'done:start',
      'run-end',
    ]);
  }, 60_000);
});
