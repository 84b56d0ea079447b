import { AgmedicError } from '../../errors.js';
import type { SqlParam } from '../engine-types.js';

/** Splits an `@params` declaration list (`@id int, @d decimal(18,4)`) into parameter names. */
function declaredNames(declaration: string): string[] {
  const names: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of declaration + ',') {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      const name = /^\s*@([^\s]+)/.exec(current)?.[1];
      if (name) names.push(name);
      current = '';
    } else current += ch;
  }
  return names;
}

/**
 * sp_executesql's parameters: `@statement`, then (when there are inputs) `@params`, then the
 * values. Clients such as FreeTDS may send them unnamed, in which case names come from `@params`.
 */
export function resolveExecuteSql(params: readonly SqlParam[]): { text: string; params: SqlParam[] } {
  const [statement, declaration, ...values] = params;
  if (!statement || typeof statement.value !== 'string') {
    throw new AgmedicError('LAB_TDS_PROTOCOL', 'sp_executesql without a @statement string');
  }
  if (!declaration) return { text: statement.value, params: [] };
  const names = typeof declaration.value === 'string' ? declaredNames(declaration.value) : [];
  return {
    text: statement.value,
    params: values.map((p, i) => (p.name ? p : { ...p, name: names[i] ?? `p${i + 1}` })),
  };
}
