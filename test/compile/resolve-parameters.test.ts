import { describe, expect, test } from 'vitest';
import { resolveParameters } from '../../src/compile/resolve-parameters.js';
import { runbookFrom } from './fixtures.js';

const rb = runbookFrom(`
apiVersion: agmedic/v1
kind: Runbook
metadata: { name: p, title: params }
parameters:
  link: { type: identifier, description: distributed availability group name }
  keep: { type: enum, values: [sqlserver, managedInstance], description: side }
  lag: { type: int, description: lag, min: 0, max: 100, default: 10 }
  force: { type: bool, description: force, required: false }
  ticket: { type: string, description: ticket, pattern: "INC[0-9]+", required: false }
  wait: { type: duration, description: wait, default: 5m }
targets: [sqlserver]
steps:
  - { id: a, title: a, end: { outcome: fixed, message: ok } }
`);

describe('resolveParameters', () => {
  test('types values and fills defaults', () => {
    expect(resolveParameters(rb, { link: 'AG]1', keep: 'sqlserver', force: 'true', lag: '7' })).toEqual({
      values: { link: 'AG]1', keep: 'sqlserver', lag: 7, force: true, wait: '5m' },
      diagnostics: [],
    });
  });

  test('collects every problem with its code and parameter', () => {
    const { diagnostics } = resolveParameters(rb, { link: 'a\u0001b', keep: 'mi', lag: '101', force: 'yes', ticket: 'x', wait: '5 minutes', lnk: 'x' });
    expect(diagnostics.map((d) => [d.code, d.path?.join('.')])).toEqual([
      ['BAD_PARAM_VALUE', 'parameters.link'],
      ['BAD_PARAM_VALUE', 'parameters.keep'],
      ['BAD_PARAM_VALUE', 'parameters.lag'],
      ['BAD_PARAM_VALUE', 'parameters.force'],
      ['BAD_PARAM_VALUE', 'parameters.ticket'],
      ['BAD_PARAM_VALUE', 'parameters.wait'],
      ['UNKNOWN_PARAM_VALUE', 'parameters'],
    ]);
    expect(diagnostics[1]!.message).toContain('sqlserver, managedInstance');
    expect(diagnostics[6]!.message).toContain('link');
  });

  test('MISSING_PARAM names the parameter and its description', () => {
    const { diagnostics } = resolveParameters(rb, { keep: 'sqlserver' });
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ code: 'MISSING_PARAM', path: ['parameters', 'link'] });
    expect(diagnostics[0]!.message).toContain('distributed availability group name');
  });
});
