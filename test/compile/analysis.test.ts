import { describe, expect, test } from 'vitest';
import { compileRunbook } from '../../src/compile/compile-runbook.js';
import { loadRunbook } from '../../src/runbook/load-runbook.js';
import { withSteps } from './fixtures.js';

const check = (id: string, extra = '') => `
  - id: ${id}
    title: ${id}
    check: { on: sqlserver, sql: SELECT 1 AS x, expect: "rows.size() == 1" }${extra}`;

const codes = (steps: string) => compileRunbook(withSteps(steps)).diagnostics.map((d) => [d.code, d.path?.join('.')]);

describe('static analysis', () => {
  test('UNKNOWN_STEP and UNKNOWN_TARGET when the loader was bypassed', () => {
    expect(codes(check('a', '\n    next: nowhere') + `
  - id: b
    title: b
    check: { on: azure, sql: SELECT 1 }`)).toEqual([
      ['UNKNOWN_TARGET', 'steps.1.check.on'],
      ['UNKNOWN_STEP', 'steps.0.next'],
      ['UNREACHABLE_STEP', 'steps.1.id'],
      ['NO_END', 'steps'], // the unknown jump compiles to @failed, so nothing else remains
    ]);
  });

  test('UNREACHABLE_STEP for a step nothing reaches', () => {
    expect(codes(check('a', '\n    next: c') + check('b') + check('c'))).toEqual([['UNREACHABLE_STEP', 'steps.1.id']]);
  });

  test('UNBOUNDED_CYCLE at the back edge; a retry on a step of the loop bounds it', () => {
    expect(codes(check('a') + check('b', '\n    onFail: a'))).toEqual([['UNBOUNDED_CYCLE', 'steps.1.onFail']]);
    expect(codes(check('a', '\n    retry: { max: 3 }') + check('b', '\n    onFail: a'))).toEqual([]);
    // a self-loop through onFail is a cycle too
    expect(codes(check('a', '\n    onFail: a'))).toEqual([['UNBOUNDED_CYCLE', 'steps.0.onFail']]);
  });

  test('NO_END when every path fails', () => {
    const steps = check('a', '\n    next: b\n    retry: { max: 1 }') + check('b', '\n    next: a');
    expect(codes(steps)).toEqual([['NO_END', 'steps']]);
  });

  test('UNKNOWN_FACT, UNKNOWN_PARAM, BAD_CEL, CEL_TYPE', () => {
    expect(codes(check('a') + `
  - id: b
    title: b
    when: "facts.nope.sqlserver.size() > 0 && params.missing == 'x'"
    check: { on: sqlserver, sql: SELECT 1 AS x, expect: "rows.size() ==" }
  - id: c
    title: c
    when: "params.maxLag + 'x'"
    check: { on: sqlserver, sql: SELECT 1 AS x, expect: "params.maxLag" }`)).toEqual([
      ['UNKNOWN_PARAM', 'steps.1.when'],
      ['UNKNOWN_FACT', 'steps.1.when'],
      ['BAD_CEL', 'steps.1.check.expect'],
      ['CEL_TYPE', 'steps.2.when'],
      ['CEL_TYPE', 'steps.2.check.expect'],
    ]);
  });

  test('FACT_BEFORE_PRODUCED: only one side of a diamond ran the step, a role it never ran on, a later step, has() tolerates', () => {
    const steps = `
  - id: pick
    title: pick
    decide:
      prompt: which way
      choices: [{ label: left, next: left }, { label: right, next: right }]
  - id: left
    title: left
    check: { on: sqlserver, sql: SELECT 1 AS x }
    next: join
  - id: right
    title: right
    check: { on: mi, sql: SELECT 1 AS x }
  - id: join
    title: join
    when: "facts.left.sqlserver.size() > 0"
    check: { on: sqlserver, sql: SELECT 1 AS x, expect: "has(facts.right) || facts.later.sqlserver.size() > 0" }
  - id: roles
    title: role
    when: "facts.pick.x == 1 || facts.right.sqlserver.size() > 0"
    check: { on: sqlserver, sql: SELECT 1 AS x }
  - id: later
    title: later
    check: { on: sqlserver, sql: SELECT 1 AS x, expect: "rows.size() == 1" }`;
    expect(codes(steps)).toEqual([
      ['FACT_BEFORE_PRODUCED', 'steps.3.when'],
      ['FACT_BEFORE_PRODUCED', 'steps.3.check.expect'],
      ['FACT_BEFORE_PRODUCED', 'steps.4.when'],
      ['FACT_BEFORE_PRODUCED', 'steps.4.when'],
    ]);
  });

  test('a recheck produces the facts its action reads in requires', () => {
    const steps = `
  - id: gate
    title: gate
    when: "params.keep == 'sqlserver'"
    check: { on: mi, sql: SELECT 1 AS role }
  - id: act
    title: act
    impact: change
    action: { on: mi, sql: SELECT 1 }
    recheck: [gate]
    requires: "facts.gate.mi[0].role == 1"
    confirm: { show: { r: "facts.gate.mi" } }
    verify: { on: mi, sql: SELECT 1 AS x, expect: "true" }`;
    // confirm.show runs before the recheck, on a path where `gate` may have been skipped
    expect(codes(steps)).toEqual([['FACT_BEFORE_PRODUCED', 'steps.1.confirm.show.r']]);
  });

  test('diagnostics carry source and range through the loader\'s positions', () => {
    const text = `apiVersion: agmedic/v1
kind: Runbook
metadata: { name: pos, title: positions }
parameters: { link: { type: identifier, description: link } }
targets: [sqlserver]
steps:
  - id: a
    title: a
    when: "facts.b.sqlserver.size() > 0"
    check: { on: sqlserver, sql: SELECT 1 AS x }
  - id: b
    title: b
    check: { on: sqlserver, sql: SELECT 1 AS x, expect: "rows.size() == 1" }
`;
    const source = { name: 'pos.yaml', text };
    const loaded = loadRunbook(source);
    expect(loaded.diagnostics).toEqual([]);
    const [d, ...rest] = compileRunbook(loaded.runbook!, { source, locate: (p) => loaded.positions.rangeOf(p) }).diagnostics;
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ code: 'FACT_BEFORE_PRODUCED', severity: 'error', source, path: ['steps', 0, 'when'] });
    expect(text.slice(d!.range!.start, d!.range!.end)).toBe('"facts.b.sqlserver.size() > 0"');
  });
});
