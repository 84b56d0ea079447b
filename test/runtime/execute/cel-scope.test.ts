/**
 * CEL for the running machine sees only the facts an expression reads (so a guard's cost does not
 * grow with the run), with the same results as over every fact.
 */
import { describe, expect, test } from 'vitest';
import { evaluateCel, staticFactNames } from '../../../src/compile/cel.js';
import { holds, valueOf } from '../../../src/runtime/execute/cel-scope.js';

const facts = { roles: { mi: [{ role: 'PRIMARY' }] }, other: { sqlserver: [{ n: 1 }] }, third: { mi: [] } };

describe('staticFactNames', () => {
  test.each([
    ["facts.roles.mi[0].role == 'PRIMARY'", ['roles']],
    ["has(facts.roles) && facts['other'].sqlserver.size() == 1", ['roles', 'other']],
    ['params.x == 1', []],
    ['size(facts) == 3', undefined],
    ['facts.all(k, k != "")', undefined],
    ['facts[params.step] != null', undefined],
    ['this is not CEL (', undefined],
  ])('%s', (expr, names) => {
    expect(staticFactNames(expr)).toEqual(names);
  });
});

describe('holds/valueOf over the facts an expression reads', () => {
  test.each([
    ["facts.roles.mi[0].role == 'PRIMARY'", true],
    ['has(facts.missing)', false],
    ['!has(facts.missing) && has(facts.third)', true],
    ['size(facts) == 3', true],
    ['facts.all(k, k != "")', true],
  ])('%s → %s', (expr, want) => {
    expect(holds(expr, { params: {}, facts })).toBe(want);
  });

  test('a value, and an error for a fact that is not there', () => {
    expect(valueOf('facts.other.sqlserver[0].n + 1', { params: {}, facts })).toBe(2);
    const errors: string[] = [];
    expect(valueOf('facts.missing.mi', { params: {}, facts }, (e) => errors.push(e))).toBeUndefined();
    expect(errors).toEqual(['facts.missing.mi']);
  });
});

describe('parsed once, evaluated with values of changing types', () => {
  // The program is cached per expression; its results must not depend on what it saw first.
  test.each([
    ['rows.size() == 1 && rows[0].role == "PRIMARY"', [{ rows: [] }, { rows: [{ role: 'PRIMARY' }] }, { rows: [{ role: null }] }, { rows: [{ role: 1 }] }]],
    ['x == 1', [{ x: 1 }, { x: 'a' }, { x: null }, { x: 1.5 }, { x: 1 }]],
    ['has(m.k) ? m.k > 2 : false', [{ m: {} }, { m: { k: 3 } }, { m: { k: 'z' } }, { m: { k: 1 } }]],
  ])('%s', (expr, contexts) => {
    const once = (text: string, ctx: Record<string, unknown>) => {
      try {
        return { value: evaluateCel(text, ctx) };
      } catch (err) {
        return { error: (err as Error).constructor.name };
      }
    };
    // Trailing spaces make a distinct text: a program parsed afresh for each context.
    const fresh = contexts.map((ctx, i) => once(`${expr}${' '.repeat(i + 1)}`, ctx));
    const cached = contexts.map((ctx) => once(expr, ctx));
    expect(cached).toEqual(fresh);
    expect([...contexts].reverse().map((ctx) => once(expr, ctx)).reverse()).toEqual(fresh);
  });
});
