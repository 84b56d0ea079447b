import { describe, expect, test } from 'vitest';
import { celEnvironmentFor, checkCel, evaluateCel, referencedFacts, referencedParams } from '../../src/compile/cel.js';
import { splitBrain } from './fixtures.js';

describe('CEL wrapper', () => {
  const query = celEnvironmentFor(splitBrain, 'query');
  const runbook = celEnvironmentFor(splitBrain, 'runbook');

  test.each([
    ['rows.size() == 1', query, undefined],
    ["params.keep == 'sqlserver' && params.maxLag > 3", runbook, undefined],
    ['rows.size() ==', query, 'BAD_CEL'],
    ['params.maxLag == "x"', runbook, 'CEL_TYPE'],
    ['rows.size() == 1', runbook, 'CEL_TYPE'], // rows exists only where a query ran
    ['params.maxLag', runbook, 'CEL_TYPE'], // not a condition
  ] as const)('checkCel(%j)', (expr, env, code) => {
    expect(checkCel(expr, env, 'bool')?.code).toBe(code);
  });

  test('problems carry offsets into the expression', () => {
    expect(checkCel('params.maxLag + "a" == 1', runbook)).toMatchObject({ code: 'CEL_TYPE', start: 0 });
    expect(checkCel('facts.x +', runbook)).toMatchObject({ code: 'BAD_CEL', start: 9 });
  });

  test('referencedFacts walks dotted and indexed access, roles and has()', () => {
    expect(referencedFacts("facts.roles.mi[0].role == 'PRIMARY' && facts['lag'] > 1 && has(facts.x.sqlserver)").map(({ step, role, guarded }) => ({ step, role, guarded }))).toEqual([
      { step: 'roles', role: 'mi', guarded: false },
      { step: 'lag', role: undefined, guarded: false },
      { step: 'x', role: 'sqlserver', guarded: true },
    ]);
    expect(referencedFacts('rows.size() > 0')).toEqual([]);
    expect(referencedParams('params.link == params["keep"]').map((p) => p.name)).toEqual(['link', 'keep']);
  });

  test('evaluateCel converts values in and out', () => {
    expect(evaluateCel('rows[0].n + 1', { rows: [{ n: 41 }] })).toBe(42);
    expect(evaluateCel('x * 2.0', { x: 2.5 })).toBe(5);
    // an integral JS number becomes a CEL int, and CEL has no int * double
    expect(() => evaluateCel('x * 2.5', { x: 2 })).toThrow(/no such overload/);
  });

  test('evaluateCel: timestamps, nested maps and big integers', () => {
    expect(evaluateCel('facts.t < timestamp("2030-01-01T00:00:00Z")', { facts: { t: new Date(0) } })).toBe(true);
    expect(evaluateCel('{"a": [1, 2]}', {})).toEqual({ a: [1, 2] });
    expect(evaluateCel('9223372036854775807', {})).toBe(9223372036854775807n);
  });
});
