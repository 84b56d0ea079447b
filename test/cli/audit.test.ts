import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openAuditLog } from '../../src/audit/index.js';
import type { AuditEvent } from '../../src/audit/index.js';
import { cli, isolatedHome, tempDir } from './helpers/approval-audit-env.js';

const home = isolatedHome();

function run(runId: string, operator: string, outcome: 'fixed' | 'nothing-to-do'): AuditEvent[] {
  return [
    {
      type: 'run-start', runId, runbook: { name: 'split-brain-recovery', sha256: 'ab'.repeat(32) }, parameters: { link: 'SalesLink' },
      mode: 'guided', operator, host: 'ops01', targets: [{ name: 'sqlserver', server: '127.0.0.1,11433' }],
    },
    {
      type: 'statement', runId, step: 'roles', target: 'sqlserver', server: '127.0.0.1,11433',
      text: 'SELECT role_desc AS role FROM sys.dm_hadr_availability_replica_states WHERE name = @link', parameters: { link: 'SalesLink' },
      durationMs: 3, outcome: { status: 'ok', rowCount: 1 },
    },
    { type: 'prompt', runId, step: 'demote', question: 'Demote SQL Server?', answer: 'run', operator },
    { type: 'step', runId, step: 'demote', phase: 'end', outcome: 'ok' },
    { type: 'run-end', runId, outcome, message: 'done' },
  ];
}

async function writeLog(path: string): Promise<string[]> {
  const sink = await openAuditLog({ path });
  for (const e of [...run('run-aaaa1111', 'alice', 'fixed'), ...run('run-bbbb2222', 'bob', 'nothing-to-do')]) await sink.append(e);
  await sink.close();
  return readFileSync(path, 'utf8').split('\n').slice(0, -1);
}

describe('agmedic audit show', () => {
  it('lists the runs of the default log ($AGMEDIC_HOME/audit.jsonl)', async () => {
    await writeLog(join(home(), 'audit.jsonl'));
    const r = await cli('audit', 'show');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^RUN +STARTED +RUNBOOK +MODE +OPERATOR +DURATION +OUTCOME$/);
    expect(lines[1]).toMatch(/^run-aaaa1111 +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+ +split-brain-recovery +guided +alice +\d+ ms +fixed$/);
    expect(lines[2]).toContain('nothing-to-do');
  });

  it('shows one run as a timeline, by id or unique prefix', async () => {
    const path = join(tempDir(), 'a.jsonl');
    await writeLog(path);
    const r = await cli('audit', 'show', 'run-bbbb', '--audit', path);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/query +roles: SELECT role_desc .* on sqlserver \(127\.0\.0\.1,11433\) → 1 row +3 ms/);
    expect(r.stdout).toMatch(/prompt +demote: Demote SQL Server\? → run \(bob\)/);
    expect(r.stdout).not.toContain('alice');
  });

  it('--json prints the records of the run', async () => {
    const path = join(tempDir(), 'a.jsonl');
    await writeLog(path);
    const r = await cli('audit', 'show', 'run-aaaa1111', '--audit', path, '--json');
    const records = JSON.parse(r.stdout) as Array<{ type: string; seq: number }>;
    expect(records.map((x) => x.type)).toEqual(['run-start', 'statement', 'prompt', 'step', 'run-end']);
    expect(records.map((x) => x.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it.each([
    ['an unknown run id', (p: string) => ['audit', 'show', 'run-zzz', '--audit', p], 3, 'RUN_NOT_FOUND'],
    ['an ambiguous prefix', (p: string) => ['audit', 'show', 'run-', '--audit', p], 2, 'USAGE'],
    ['a missing log', (p: string) => ['audit', 'show', '--audit', `${p}.missing`], 3, 'FILE_READ'],
  ])('refuses %s', async (_name, args, exit, code) => {
    const path = join(tempDir(), 'a.jsonl');
    await writeLog(path);
    const r = await cli(...args(path));
    expect(r.code).toBe(exit);
    expect(r.stderr).toContain(code);
  });
});

describe('agmedic audit verify', () => {
  it('exit 0 on an intact log, with the head hash', async () => {
    const path = join(home(), 'audit.jsonl');
    const lines = await writeLog(path);
    const r = await cli('audit', 'verify');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`intact, 10 records, head ${(JSON.parse(lines[9]!) as { hash: string }).hash}`);
  });

  it('--head: a cut-off end verifies on its own, but not against the head hash kept earlier', async () => {
    const dir = tempDir();
    const original = join(dir, 'audit.jsonl');
    const lines = await writeLog(original);
    const head = (JSON.parse(lines[9]!) as { hash: string }).hash;
    expect((await cli('audit', 'verify', '--audit', original, '--head', head)).code).toBe(0);
    const cut = join(dir, 'cut.jsonl');
    writeFileSync(cut, `${lines.slice(0, 7).join('\n')}\n`);
    expect((await cli('audit', 'verify', '--audit', cut)).code).toBe(0);
    const r = await cli('audit', 'verify', '--audit', cut, '--head', head);
    expect(r.code).toBe(8);
    expect(r.stderr).toContain(`audit broken: ${cut}:8: truncated:`);
  });

  it('--head takes any unique prefix of 16+ hex digits (what messages print), and refuses shorter', async () => {
    const dir = tempDir();
    const original = join(dir, 'audit.jsonl');
    const lines = await writeLog(original);
    const head = (JSON.parse(lines[9]!) as { hash: string }).hash;
    expect((await cli('audit', 'verify', '--audit', original, '--head', head.slice(0, 16))).code).toBe(0);
    expect((await cli('audit', 'verify', '--audit', original, '--head', `${head.slice(0, 16)}…`)).code).toBe(0);
    expect((await cli('audit', 'verify', '--audit', original, '--head', head.slice(0, 40).toUpperCase())).code).toBe(0);
    expect((await cli('audit', 'verify', '--audit', original, '--head', head.slice(0, 15))).code).toBe(2);
    const cut = join(dir, 'cut.jsonl');
    writeFileSync(cut, `${lines.slice(0, 7).join('\n')}\n`);
    expect((await cli('audit', 'verify', '--audit', cut, '--head', head.slice(0, 16))).code).toBe(8);
  });

  const tamper: Array<[string, (l: string[]) => string[], number, string]> = [
    ['edited', (l) => l.map((x, i) => (i === 2 ? x.replace('"answer":"run"', '"answer":"skip"') : x)), 3, 'edited'],
    ['deleted', (l) => l.filter((_, i) => i !== 5), 6, 'deleted'],
    ['inserted', (l) => [...l.slice(0, 7), l[2]!, ...l.slice(7)], 8, 'inserted'],
    ['reordered', (l) => [...l.slice(0, 2), l[3]!, l[2]!, ...l.slice(4)], 3, 'reordered'],
  ];

  it.each(tamper)('exit 8 naming the first bad line of a copy with a record %s', async (_name, change, line, reason) => {
    const dir = tempDir();
    const original = join(dir, 'audit.jsonl');
    const lines = await writeLog(original);
    const copy = join(dir, 'copy.jsonl');
    writeFileSync(copy, `${change(lines).join('\n')}\n`);
    const text = await cli('audit', 'verify', '--audit', copy);
    expect(text.code).toBe(8);
    expect(text.stderr).toContain(`audit broken: ${copy}:${line}: ${reason}:`);
    const json = await cli('audit', 'verify', '--audit', copy, '--json');
    expect(json.code).toBe(8);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, line, reason, path: copy });
    // The original is untouched and still verifies.
    expect((await cli('audit', 'verify', '--audit', original)).code).toBe(0);
  });

  it('never touches the real home: the default log is under AGMEDIC_HOME', async () => {
    const r = await cli('audit', 'verify');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(join(home(), 'audit.jsonl'));
    expect(existsSync(join(home(), 'audit.jsonl'))).toBe(false);
  });
});
