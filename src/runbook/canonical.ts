/**
 * The identity of a runbook's meaning: approvals sign it, plans and journals record it. Hashing
 * the validated model (not the file) means comments, key order, quoting and spelled-out defaults
 * leave it unchanged, while any semantic edit changes it.
 */
import { createHash } from 'node:crypto';
import { AgmedicError } from '../errors.js';
import type { Runbook } from './schema.js';

/**
 * JSON with object keys sorted (by UTF-16 code unit) and no whitespace; `undefined` properties
 * are dropped as JSON.stringify drops them. Throws `INTERNAL` on values JSON cannot carry.
 *
 * @example
 * canonicalJson({ b: 1, a: [true, null] }) // '{"a":[true,null],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new AgmedicError('INTERNAL', `canonicalJson: ${value} has no JSON form`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) {
        throw new AgmedicError('INTERNAL', `canonicalJson: only plain objects, arrays and primitives, not ${(value as object).constructor?.name ?? 'an object'}`);
      }
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
    }
    default:
      throw new AgmedicError('INTERNAL', `canonicalJson: a ${typeof value} has no JSON form`);
  }
}

/**
 * Hex sha256 of the canonical JSON of a validated runbook.
 *
 * @example
 * const { runbook } = loadRunbook(source);
 * if (runbook) console.log(runbookSha256(runbook)); // 'e3b0c442…'
 */
export function runbookSha256(runbook: Runbook): string {
  return createHash('sha256').update(canonicalJson(runbook), 'utf8').digest('hex');
}
