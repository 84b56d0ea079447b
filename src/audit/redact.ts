/**
 * Makes an event safe to write: credentials are masked by key name and inside connection strings
 * and T-SQL `PASSWORD = '…'` clauses, and a {@link Secret} is refused outright, because a Secret in
 * an audit payload means the runtime passed the wrong thing, which no mask should hide.
 * The result is a fresh tree of plain JSON values, ready for canonical serialisation.
 */
import { AgmedicError } from '../errors.js';
import { Secret } from '../ports/secret.js';
import { looksLikeSecretKey } from '../ports/secret-keys.js';

/** Keys whose values are masked whatever they hold. `…key$` catches apiKey, accountKey, sasKey. */
export const SENSITIVE_KEY = /password|pwd|secret|token|key$/i;

export const REDACTED = '[redacted]';

// `Password=…;` / `PWD={…}` in connection strings (ADO.NET, ODBC) and `PASSWORD = N'…'` in T-SQL
// (CREATE LOGIN, CREATE MASTER KEY): a quoted value may contain `;`, doubled quotes or `}}`.
const INLINE_PASSWORD =
  /(\b(?:password|pwd)\s*=\s*)(N?'(?:[^']|'')*'|"(?:[^"]|"")*"|\{(?:[^}]|\}\})*\}|[^;\s'"{][^;]*)/gi;

// `Key=value;` pairs of a connection string, for keys that look like a misspelt password (`Passwrd=`).
const INLINE_PAIR = /(^|[;"'\s])([A-Za-z][A-Za-z ]*?)(\s*=\s*)(\{(?:[^}]|\}\})*\}|[^;\s'"{][^;]*)/g;

/** Masks password values inside a string that looks like a connection string or T-SQL. */
export function redactString(value: string): string {
  if (!/p[a-z]*s|pwd|secret|token/i.test(value)) return value; // fast path: most strings never mention one
  const out = value.replace(INLINE_PASSWORD, `$1${REDACTED}`);
  if (!out.includes(';')) return out;
  return out.replace(INLINE_PAIR, (m, head: string, key: string, sep: string) => (looksLikeSecretKey(key) ? `${head}${key}${sep}${REDACTED}` : m));
}

/**
 * Returns a redacted deep copy of `value` made only of JSON values. Dates become ISO strings,
 * bigints decimal strings, byte arrays `0x…` hex (as SQL Server shows varbinary), errors their
 * name and message. Throws `INTERNAL` for a Secret, a cycle, or a function.
 *
 * @example
 * redact({ server: 'sql01', password: 'hunter2', conn: 'Server=x;Password=hunter2;' })
 * // { server: 'sql01', password: '[redacted]', conn: 'Server=x;Password=[redacted];' }
 */
export function redact(value: unknown): unknown {
  return walk(value, new Set(), '$');
}

function walk(value: unknown, seen: Set<object>, path: string): unknown {
  switch (typeof value) {
    case 'string':
      return redactString(value);
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'undefined':
      return undefined;
    case 'object':
      break;
    default:
      throw new AgmedicError('INTERNAL', `audit: a ${typeof value} at ${path} cannot be recorded`);
  }
  if (value === null) return null;
  if (Secret.isSecret(value)) throw new AgmedicError('INTERNAL', `audit: a secret reached the audit log at ${path}`);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (value instanceof Uint8Array) return `0x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  if (value instanceof Error) return { name: value.name, message: redactString(value.message) };
  if (seen.has(value)) throw new AgmedicError('INTERNAL', `audit: a cycle at ${path} cannot be recorded`);
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v, i) => (v === undefined ? null : walk(v, seen, `${path}[${i}]`)));
    if (value instanceof Map || value instanceof Set) {
      throw new AgmedicError('INTERNAL', `audit: a ${value.constructor.name} at ${path} cannot be recorded; pass a plain object or array`);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (SENSITIVE_KEY.test(k) || looksLikeSecretKey(k)) {
        // Still refuse a Secret under a masked key: it means the caller leaked it elsewhere too.
        if (Secret.isSecret(v)) throw new AgmedicError('INTERNAL', `audit: a secret reached the audit log at ${path}.${k}`);
        if (v !== undefined) out[k] = REDACTED;
        continue;
      }
      const w = walk(v, seen, `${path}.${k}`);
      if (w !== undefined) out[k] = w;
    }
    return out;
  } finally {
    seen.delete(value);
  }
}
