/**
 * SIGKILL of the agmedic process at each step boundary and in the middle of the destructive
 * statement, then `agmedic resume`: the run finishes, and the destructive statement reached the lab
 * exactly once (the lab's statement log proves it). Also: a changed runbook refuses to resume, and
 * no file agmedic wrote contains the password.
 */
import { copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { approvalFor, buildCli, journalText, resumeCli, spawnCli, until, type Child } from './helpers/cli-process.js';
import { auditRecords, FIXTURE, LAB_SECRET, startRunLab, statementsMatching, type RunLab } from './helpers/run-lab.js';

const DEMOTE = /^ALTER AVAILABILITY GROUP \[SalesLink\] SET \(ROLE = SECONDARY\)/;
let cli: string;
let rl: RunLab | undefined;
beforeAll(async () => {
  cli = await buildCli();
}, 60_000);
afterEach(async () => {
  await rl?.close();
  rl = undefined;
});

function runIdOf(home: string): string {
  const runs = readdirSync(join(home, 'runs'));
  expect(runs).toHaveLength(1);
  return runs[0]!;
}

function startsOf(home: string, step: string): boolean {
  try {
    return auditRecords(home).some((r) => r.type === 'step' && r.step === step && r.phase === 'start');
  } catch {
    return false;
  }
}

async function startRun(runbook = FIXTURE): Promise<{ child: Child; lab: RunLab }> {
  const lab = await startRunLab();
  rl = lab;
  const { approval, trustedKeys } = approvalFor(lab.home, runbook, lab.lab, { link: 'SalesLink', gate: 1 });
  const child = spawnCli(cli, ['run', runbook, '-p', 'link=SalesLink', '-t', lab.targets, '--unattended', '--approval', approval, '--trusted-keys', trustedKeys], lab.env);
  return { child, lab };
}


/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('SIGKILL, then resume', () => {
  test.each(['roles', 'settle', 'demote', 'after'])('killed as step %s starts: resume finishes, the demotion reached the lab once', async (step) => {
    const { child, lab } = await startRun();
    lab.lab.control.delayStatements('sqlserver', 400);
    // Slowed reads: the prompt's fresh evidence and the re-check come before `after`.
    await until(`step ${step} to start`, () => startsOf(lab.home, step), 40_000);
    child.proc.kill('SIGKILL');
    expect((await child.exit).signal).toBe('SIGKILL');
    lab.lab.control.delayStatements('sqlserver', 0);
    const runId = runIdOf(lab.home);

    const r = await resumeCli(cli, runId, lab.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ outcome: 'fixed', runId });
    expect(statementsMatching(lab.lab, DEMOTE)).toHaveLength(1);
    expect(lab.lab.control.roles().sqlserver).not.toBe('PRIMARY');
    // The resumed run starts where the killed one stopped, not from the beginning.
    expect((r.json.route as Array<{ step: string }>)[0]!.step).toBe(step);
  }, 60_000);

  test('killed mid-destructive-statement: in doubt, verify decides, the statement reaches the lab once', async () => {
    const { child, lab } = await startRun();
    // Slowed down from the step before: set only once demote started, the delay could come after
    // the demotion was already answered (its re-check and statement are a few ms on a quick machine).
    await until('step settle to start', () => startsOf(lab.home, 'settle'));
    lab.lab.control.delayStatements('sqlserver', 5000);
    const runId = runIdOf(lab.home);
    // Slowed reads before it: the poll, the fresh evidence read at the prompt, the re-check.
    await until('the demotion intent', () => journalText(lab.home, runId).includes('"type":"intent"'), 40_000);
    await new Promise((r) => setTimeout(r, 200)); // the statement is now waiting inside the lab
    child.proc.kill('SIGKILL');
    await child.exit;
    expect(journalText(lab.home, runId)).not.toContain('"type":"outcome"');
    lab.lab.control.delayStatements('sqlserver', 0);

    const r = await resumeCli(cli, runId, lab.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ outcome: 'fixed', inDoubt: [{ step: 'demote', target: 'sqlserver' }] });
    expect(statementsMatching(lab.lab, DEMOTE)).toHaveLength(1);
    const inDoubt = auditRecords(lab.home).filter((x) => x.type === 'in-doubt');
    expect(inDoubt.at(-1)).toMatchObject({ step: 'demote', resolution: (r.json.inDoubt as Array<{ resolution: string }>)[0]!.resolution });

    // The password never reached any file agmedic wrote (audit, journal, snapshot, manifest).
    for (const file of filesUnder(lab.home).filter((f) => !f.endsWith('statements.jsonl'))) {
      expect(readFileSync(file).includes(LAB_SECRET), file).toBe(false);
    }
  }, 60_000);

  test('a runbook file changed since the start refuses to resume (exit 4)', async () => {
    const copy = join((await startRunLab()).home, 'copy.yaml');
    await rl?.close();
    copyFileSync(FIXTURE, copy);
    const { child, lab } = await startRun(copy);
    await until('step settle to start', () => startsOf(lab.home, 'settle'));
    child.proc.kill('SIGKILL');
    await child.exit;
    writeFileSync(copy, `${readFileSync(copy, 'utf8')}\n# edited\n`);
    const r = await resumeCli(cli, runIdOf(lab.home), lab.env);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('RUNBOOK_CHANGED');
  }, 60_000);
});
