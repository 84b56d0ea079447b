/**
 * `-p name=value` strings → typed parameter values, checked against the runbook's declarations.
 * Every problem is collected; nothing throws.
 */
import { hasInvisible, showInvisible, type Diagnostic } from '../errors.js';
import { DURATION_PATTERN } from '../runbook/patterns.js';
import type { Parameter, Runbook } from '../runbook/schema.js';
import { identifierProblem } from '../runbook/sql-template.js';
import { didYouMean } from '../runbook/suggest.js';
import type { ParamValue } from './types.js';

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

function parseValue(name: string, p: Parameter, raw: string): { value?: ParamValue; problem?: string } {
  const bad = (expected: string) => ({ problem: `parameter "${name}" must be ${expected}; got ${JSON.stringify(raw)}` });
  switch (p.type) {
    case 'identifier': {
      const why = identifierProblem(raw);
      return why ? bad(`a SQL Server identifier (${why})`) : { value: raw };
    }
    case 'string': {
      if (p.maxLength !== undefined && raw.length > p.maxLength) return bad(`a string of at most ${p.maxLength} characters`);
      if (p.pattern !== undefined) {
        let ok = false;
        try {
          ok = new RegExp(`^(?:${p.pattern})$`, 'u').test(raw);
        } catch {
          ok = false;
        }
        if (!ok) return bad(`a string matching ${p.pattern}`);
      }
      return { value: raw };
    }
    case 'int': {
      if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) return bad('an int');
      const n = Number(raw);
      if (p.min !== undefined && n < p.min) return bad(`an int ≥ ${p.min}`);
      if (p.max !== undefined && n > p.max) return bad(`an int ≤ ${p.max}`);
      return { value: n };
    }
    case 'bool':
      return raw === 'true' ? { value: true } : raw === 'false' ? { value: false } : bad('a bool (true or false)');
    case 'enum':
      return p.values.includes(raw) ? { value: raw } : bad(`one of ${p.values.join(', ')}${didYouMean(raw, p.values)}`);
    case 'duration':
      return DURATION_PATTERN.test(raw) ? { value: raw } : bad('a duration such as 30s, 5m or 1h30m');
  }
}

/**
 * Checks and types the raw `-p` values: MISSING_PARAM (with the parameter's description),
 * BAD_PARAM_VALUE (naming the expected type and, for enums, the allowed values) and
 * UNKNOWN_PARAM_VALUE for names the runbook does not declare. Defaults fill in omitted values.
 *
 * @example
 * const { values, diagnostics } = resolveParameters(runbook, { link: 'AG_Sales', keep: 'sqlserver' });
 * values // { link: 'AG_Sales', keep: 'sqlserver', maxLag: 10 }
 */
export function resolveParameters(runbook: Runbook, raw: Record<string, string>): { values: Record<string, ParamValue>; diagnostics: Diagnostic[] } {
  const values: Record<string, ParamValue> = {};
  const diagnostics: Diagnostic[] = [];
  const problem = (code: Diagnostic['code'], message: string, path: (string | number)[]) => diagnostics.push({ code, message, severity: 'error', path });
  const declared = Object.keys(runbook.parameters);
  for (const [name, p] of Object.entries(runbook.parameters)) {
    if (has(raw, name)) {
      const r = parseValue(name, p, raw[name]!);
      if (r.problem !== undefined) problem('BAD_PARAM_VALUE', r.problem, ['parameters', name]);
      else values[name] = r.value!;
    } else if (p.default !== undefined) {
      values[name] = p.default;
    } else if (p.required !== false) {
      problem('MISSING_PARAM', `parameter "${name}" is required (${p.description}); pass -p ${name}=…`, ['parameters', name]);
    }
  }
  // The operator proves intent by typing this value: one that displays as another name (bidi
  // controls, zero-width characters) would make that proof meaningless.
  for (const step of runbook.steps) {
    const name = step.confirm?.typeToConfirm;
    const v = name === undefined ? undefined : values[name];
    if (typeof v === 'string' && hasInvisible(v)) {
      problem('BAD_PARAM_VALUE', `parameter "${name}" is typed to confirm step "${step.id}" but contains bidirectional or zero-width characters (${showInvisible(v)}); it cannot be confirmed by typing`, ['parameters', name!]);
    }
  }
  for (const name of Object.keys(raw)) {
    if (!has(runbook.parameters, name)) {
      problem('UNKNOWN_PARAM_VALUE', `-p ${name}: the runbook has no parameter "${name}"${didYouMean(name, declared)}`, ['parameters']);
    }
  }
  return { values, diagnostics };
}
