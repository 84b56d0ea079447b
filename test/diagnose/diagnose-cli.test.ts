/** `agmedic diagnose` argument and input errors: codes and positions, before any server is contacted. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { memoryOutput } from '../../src/cli/output.js';
import { runCli } from '../../src/cli/program.js';

const dir = mkdtempSync(join(tmpdir(), 'agmedic-diagnose-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const badRules = file('bad-rules.yaml', 'apiVersion: agmedic/v1\nkind: DiagnoseRules\nrules:\n  - id: r1\n    title: T\n    severity: warning\n    explanation: E\n    when: facts.link ==\n');
const noPairs = file('no-pairs.yaml', 'targets:\n  witness:\n    server: h\n    auth: { type: sql, user: u, passwordEnv: P }\n');

describe('agmedic diagnose input errors', () => {
  it.each([
    ['a bad --sample', ['--sample', 'soon', '-t', noPairs], EXIT.usage, /USAGE.*--sample/],
    ['a bad --concurrency', ['--concurrency', '0', '-t', noPairs], EXIT.usage, /USAGE.*--concurrency/],
    ['a rule with bad CEL', ['--rules', badRules, '-t', noPairs], EXIT.invalid, /bad-rules\.yaml:8:\d+ {2}BAD_CEL/],
    ['a missing targets file', ['-t', join(dir, 'nope.yaml')], EXIT.invalid, /TARGETS_FILE.*cannot read targets file/],
    ['a targets file without a pair', ['-t', noPairs], EXIT.invalid, /TARGETS_FILE.*no pair of targets.*ignored: witness/],
  ])('%s', async (_name, args, exit, stderr) => {
    const out = memoryOutput();
    expect(await runCli(['diagnose', ...args], out)).toBe(exit);
    expect(out.stderr).toMatch(stderr);
    expect(out.stdout).toBe('');
  });
});
