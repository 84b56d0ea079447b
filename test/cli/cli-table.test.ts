import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryOutput } from '../../src/cli/output.js';
import { runCli } from '../../src/cli/program.js';
import { EXIT } from '../../src/cli/exit-codes.js';

const dir = mkdtempSync(join(tmpdir(), 'agmedic-cli-'));
const good = join(dir, 'good.yaml');
writeFileSync(
  good,
  `apiVersion: agmedic/v1
kind: Runbook
metadata: { name: good, title: A good runbook }
parameters:
  link: { type: identifier, description: the link }
targets: [sqlserver]
steps:
  - id: role
    title: Read the role
    check: { on: sqlserver, sql: "SELECT role_desc AS role FROM sys.dm_hadr_availability_replica_states WHERE name = @link", expect: "rows.size() == 1" }
  - id: done
    title: Done
    end: { outcome: fixed, message: ok }
`,
);
// Three independent mistakes: an unknown step, an unknown parameter, a destructive step without confirm.
const threeMistakes = join(dir, 'three.yaml');
writeFileSync(
  threeMistakes,
  `apiVersion: agmedic/v1
kind: Runbook
metadata: { name: three, title: Three mistakes }
parameters:
  link: { type: identifier, description: the link }
targets: [sqlserver]
steps:
  - id: role
    title: Read the role
    check: { on: sqlserver, sql: "SELECT 1 AS x WHERE @lnk = 1" }
    next: nowhere
  - id: demote
    title: Demote
    impact: destructive
    action: { on: sqlserver, sql: "ALTER AVAILABILITY GROUP {{ident link}} SET (ROLE = SECONDARY)" }
    verify: { on: sqlserver, sql: "SELECT 1 AS x", expect: "rows.size() == 1" }
  - id: done
    title: Done
    end: { outcome: fixed, message: ok }
`,
);
const brokenYaml = join(dir, 'broken.yaml');
writeFileSync(brokenYaml, 'apiVersion: agmedic/v1\nkind: [Runbook\n');

interface Row {
  argv: string[];
  exit: number;
  out?: RegExp;
  err?: RegExp;
}

const rows: Array<[string, Row]> = [
  ['--version prints the version', { argv: ['--version'], exit: EXIT.ok, out: /^\d+\.\d+\.\d+/ }],
  ['--help lists commands and examples', { argv: ['--help'], exit: EXIT.ok, out: /Examples:[\s\S]*agmedic plan split-brain-recovery/ }],
  ['no command is a usage error', { argv: [], exit: EXIT.usage }],
  ['an unknown command is a usage error', { argv: ['frobnicate'], exit: EXIT.usage, err: /unknown command/ }],
  ['an unknown option is a usage error', { argv: ['list', '--frob'], exit: EXIT.usage, err: /unknown option/ }],
  ['list shows the shipped runbooks', { argv: ['list'], exit: EXIT.ok, out: /certificate-rotation[\s\S]*split-brain-recovery/ }],
  ['list --json is JSON', { argv: ['list', '--json'], exit: EXIT.ok, out: /^\s*\[/ }],
  ['validate accepts a good runbook', { argv: ['validate', good], exit: EXIT.ok }],
  ['validate accepts the shipped runbooks by name', { argv: ['validate', 'split-brain-recovery', 'certificate-rotation'], exit: EXIT.ok }],
  ['validate reports a YAML syntax error with its position', { argv: ['validate', brokenYaml], exit: EXIT.invalid, err: /broken\.yaml:\d+:\d+\s+YAML_SYNTAX/ }],
  ['validate of a missing file is not-found', { argv: ['validate', join(dir, 'nope.yaml')], exit: EXIT.notFound }],
  ['plan of an unknown runbook name is not-found', { argv: ['plan', 'no-such-runbook'], exit: EXIT.notFound, err: /no-such-runbook/ }],
  ['plan without a required parameter names it', { argv: ['plan', 'split-brain-recovery', '-p', 'link=SalesLink'], exit: EXIT.invalid, err: /^agmedic: MISSING_PARAM\s+parameter "keep"/m }],
  ['plan with a bad enum value names it', { argv: ['plan', 'split-brain-recovery', '-p', 'link=SalesLink', '-p', 'keep=both'], exit: EXIT.invalid, err: /"keep"/ }],
  ['plan with a malformed -p is a usage error', { argv: ['plan', 'split-brain-recovery', '-p', 'link'], exit: EXIT.usage }],
  ['plan with an unknown parameter names it', { argv: ['plan', good, '-p', 'link=SalesLink', '-p', 'lnik=x'], exit: EXIT.usage, err: /^agmedic: UNKNOWN_PARAM_VALUE .*lnik.*did you mean .link./m }],
  ['plan of a good runbook prints the statement and bound value', { argv: ['plan', good, '-p', 'link=SalesLink'], exit: EXIT.ok, out: /sys\.dm_hadr_availability_replica_states[\s\S]*@link = 'SalesLink'|@link[\s\S]*SalesLink/ }],
  ['plan --format json is JSON with the sha256', { argv: ['plan', good, '-p', 'link=SalesLink', '--format', 'json'], exit: EXIT.ok, out: /"sha256": "[0-9a-f]{64}"/ }],
  ['plan --format mermaid is a state diagram', { argv: ['plan', good, '-p', 'link=SalesLink', '--format', 'mermaid'], exit: EXIT.ok, out: /stateDiagram-v2/ }],
  ['plan --format of an unknown format is a usage error', { argv: ['plan', good, '-p', 'link=SalesLink', '--format', 'xml'], exit: EXIT.usage }],
  ['graph prints mermaid by default', { argv: ['graph', good], exit: EXIT.ok, out: /stateDiagram-v2/ }],
  ['graph --format dot prints a digraph', { argv: ['graph', good, '--format', 'dot'], exit: EXIT.ok, out: /digraph/ }],
  ['schema prints the JSON schema', { argv: ['schema'], exit: EXIT.ok, out: /"\$schema"/ }],
];

describe('agmedic CLI: arguments → exit code and output', () => {
  it.each(rows)('%s', async (_, row) => {
    const output = memoryOutput();
    const code = await runCli(row.argv, output);
    expect({ code, stderr: code === row.exit ? '' : output.stderr }).toEqual({ code: row.exit, stderr: '' });
    if (row.out) expect(output.stdout).toMatch(row.out);
    if (row.err) expect(output.stderr).toMatch(row.err);
  });

  it('validate reports all three independent mistakes, each with line:col and a caret', async () => {
    const output = memoryOutput();
    const code = await runCli(['validate', threeMistakes], output);
    expect(code).toBe(EXIT.invalid);
    const found = [...output.stderr.matchAll(/three\.yaml:(\d+):(\d+)\s+([A-Z_]+)/g)].map((m) => [Number(m[1]), Number(m[2]), m[3]]);
    expect(found).toEqual(
      expect.arrayContaining([
        [10, expect.any(Number), 'UNKNOWN_PARAM'],
        [11, 11, 'UNKNOWN_STEP'],
        [expect.any(Number), expect.any(Number), 'DESTRUCTIVE_WITHOUT_CONFIRM'],
      ]),
    );
    expect(output.stderr).toMatch(/\^/);
  });

  it('plan --out saves the same JSON it would print', async () => {
    const out = join(dir, 'plan.json');
    const printed = memoryOutput();
    await runCli(['plan', good, '-p', 'link=SalesLink', '--format', 'json'], printed);
    const saved = memoryOutput();
    expect(await runCli(['plan', good, '-p', 'link=SalesLink', '--out', out], saved)).toBe(EXIT.ok);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(JSON.parse(printed.stdout));
  });
});
