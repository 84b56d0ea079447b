import { describe, expect, it } from 'vitest';
import { format, inspect } from 'node:util';
import { Secret } from '../../src/ports/secret.js';
import { AgmedicError } from '../../src/errors.js';

const VALUE = 'Tr0ub4dor&3-never-print-me';

describe('Secret', () => {
  it('reveals its value only through reveal()', () => {
    const s = new Secret(VALUE);
    expect(s.reveal()).toBe(VALUE);
    expect(Object.keys(s)).toEqual([]);
    expect({ ...s }).toEqual({});
  });

  it('prints as [secret] in templates, String(), inspect and console formatting', () => {
    const s = new Secret(VALUE);
    expect(`${s}`).toBe('[secret]');
    expect(String(s)).toBe('[secret]');
    expect('' + s).toBe('[secret]');
    expect(inspect(s)).toBe('[secret]');
    expect(inspect({ nested: { s } }, { depth: 5 })).not.toContain(VALUE);
    for (const spec of ['%s', '%o', '%O', '%j']) {
      // %j goes through JSON and must not quietly print the value either
      let out = '';
      try {
        out = format(spec, s);
      } catch (err) {
        expect(err).toBeInstanceOf(AgmedicError);
      }
      expect(out).not.toContain(VALUE);
    }
    expect(format('%s', s)).toBe('[secret]');
  });

  it('throws INTERNAL when it reaches JSON.stringify, however deep', () => {
    const s = new Secret(VALUE);
    for (const v of [s, { password: s }, [1, { deep: [s] }]]) {
      let caught: unknown;
      try {
        JSON.stringify(v);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(AgmedicError);
      expect((caught as AgmedicError).code).toBe('INTERNAL');
      expect((caught as AgmedicError).message).not.toContain(VALUE);
    }
  });

  it('does not survive structuredClone with its value', () => {
    const clone = structuredClone({ s: new Secret(VALUE) }) as { s: object };
    expect(JSON.stringify(clone)).not.toContain(VALUE);
    expect(Secret.isSecret(clone.s)).toBe(false);
    expect((clone.s as { reveal?: unknown }).reveal).toBeUndefined();
  });

  it('isSecret recognises only real instances', () => {
    expect(Secret.isSecret(new Secret('x'))).toBe(true);
    expect(Secret.isSecret({ reveal: () => 'x', toString: () => '[secret]' })).toBe(false);
    expect(Secret.isSecret(null)).toBe(false);
  });

  it('fromEnv reads a variable and refuses an unset or empty one with SECRET_MISSING naming it', () => {
    expect(Secret.fromEnv('AGM_PWD', { AGM_PWD: VALUE }).reveal()).toBe(VALUE);
    for (const env of [{}, { AGM_PWD: '' }]) {
      let caught: unknown;
      try {
        Secret.fromEnv('AGM_PWD', env);
      } catch (err) {
        caught = err;
      }
      expect((caught as AgmedicError).code).toBe('SECRET_MISSING');
      expect((caught as AgmedicError).message).toContain('AGM_PWD');
    }
  });

  it('cannot be changed after construction', () => {
    const s = new Secret(VALUE);
    expect(() => Object.assign(s, { extra: 1 })).toThrow(TypeError);
  });
});
