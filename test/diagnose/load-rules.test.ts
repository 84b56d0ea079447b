import { describe, expect, it } from 'vitest';
import { formatDiagnostic, lineColOf, type AgmedicError } from '../../src/errors.js';
import { blankFacts, evaluateRules, loadRules, parseRules, validateRuleSet } from '../../src/diagnose/index.js';
import { listRunbooks } from '../../src/runbook/list-runbooks.js';
import { shippedRunbooksDir } from '../../src/runbook/read-runbook.js';

const runbooksDir = shippedRunbooksDir();
const header = 'apiVersion: agmedic/v1\nkind: DiagnoseRules\nrules:\n';

function problems(body: string) {
  const source = { name: 'rules.yaml', text: header + body };
  const { rules, diagnostics } = parseRules(source, { runbooksDir });
  return [...diagnostics, ...validateRuleSet(rules)].map((d) => {
    const { line, col } = lineColOf(source.text, d.range!.start);
    return { code: d.code, line, col };
  });
}

describe('shipped diagnose rules', () => {
  it('load without a problem and cover issue 6', () => {
    const ids = loadRules({ runbooksDir }).map((r) => r.id);
    for (const id of [
      'split-brain', 'cert-expired', 'cert-expiring', 'link-state-error', 'link-not-healthy', 'flow-control-transport', 'flow-control-database',
      'seeding-beyond-limit', 'log-backups-during-seeding', 'sqlserver-unreachable', 'mi-unreachable',
      ...[41962, 41973, 41974, 41976, 41977, 41986, 47521, 1408, 1412].map((n) => `link-error-${n}`),
    ]) expect(ids).toContain(id);
  });

  it('are not listed as runbooks (they live in runbooks/rules/)', () => {
    expect(listRunbooks(runbooksDir).map((r) => r.name)).not.toContain('rules');
    expect(listRunbooks(runbooksDir).every((r) => !r.file.includes('/rules/'))).toBe(true);
  });

  it('find nothing on facts where nothing is known', () => {
    expect(evaluateRules(loadRules({ runbooksDir }), blankFacts()).findings).toEqual([]);
  });
});

describe('rule validation (file:line:col)', () => {
  const rule = (fields: string) => `  - id: r1\n    title: T\n    severity: warning\n    explanation: E\n${fields}`;

  it.each([
    ['bad CEL syntax', rule('    when: facts.link ==\n'), { code: 'BAD_CEL', line: 8 }],
    ['non-bool condition', rule('    when: facts.link + "x"\n'), { code: 'CEL_TYPE', line: 8 }],
    ['unknown fact', rule('    when: facts.sqlserver.nosuch == 1\n'), { code: 'UNKNOWN_FACT', line: 8, col: 11 }],
    ['bad interpolation', `  - id: r1\n    title: "x {{facts.link ==}}"\n    severity: warning\n    explanation: E\n    when: "true"\n`, { code: 'BAD_CEL', line: 5 }],
    ['unknown runbook', rule('    when: "true"\n    runbook: { name: no-such-runbook }\n'), { code: 'RUNBOOK_NOT_FOUND', line: 9 }],
    ['unknown runbook parameter', rule('    when: "true"\n    runbook: { name: seeding-monitor, params: { link: facts.link, nope: "1" } }\n'), { code: 'UNKNOWN_PARAM', line: 9 }],
    ['missing required parameter', rule('    when: "true"\n    runbook: { name: seeding-monitor }\n'), { code: 'MISSING_PARAM', line: 9 }],
    ['bad severity', `  - id: r1\n    title: T\n    severity: fatal\n    explanation: E\n    when: "true"\n`, { code: 'RULE_FILE', line: 6 }],
    ['unknown field', rule('    when: "true"\n    whn: x\n'), { code: 'RULE_FILE' }],
    ['unknown superseded rule', rule('    when: "true"\n    supersedes: [nope]\n'), { code: 'RULE_FILE', line: 9 }],
  ])('%s', (_name, body, expected) => {
    expect(problems(body)).toContainEqual(expect.objectContaining(expected));
  });

  it('reports through loadRules as one error with formatted positions', () => {
    try {
      loadRules({ runbooksDir, files: ['/nonexistent/rules.yaml'] });
      expect.unreachable();
    } catch (err) {
      expect((err as AgmedicError).code).toBe('FILE_READ');
    }
    const { diagnostics } = parseRules({ name: 'r.yaml', text: header + rule('    when: facts.link ==\n') }, { runbooksDir });
    expect(formatDiagnostic(diagnostics[0]!)).toMatch(/^r\.yaml:8:\d+ {2}BAD_CEL/);
  });
});
