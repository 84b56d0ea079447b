/**
 * The T-SQL corpus (../shared/reference/tsql/corpus, issue 11): real DBA queries with what SQL Server
 * answers on the lab's topology. Files are split on GO lines as sqlcmd/SSMS do; each file runs on a
 * fresh connection. This module holds the expectations and the comparison, shared by the mssql and
 * FreeTDS runs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CORPUS_DIR = [
  join(import.meta.dirname, '..', '..', '..', '..', '..', 'shared', 'reference', 'tsql', 'corpus'),
  '/work/shared/reference/tsql/corpus',
].find((d) => existsSync(join(d, 'expect.json')));

export interface ExpectValue {
  col: string;
  any: unknown;
  set?: number;
  scenario?: string;
}
export interface CorpusEntry {
  file: string;
  target?: 'sqlserver' | 'mi';
  expect: string;
  columns?: string[];
  columns_last?: string[];
  sets?: number;
  values?: ExpectValue[];
}

/** What a client saw running one file: result sets (column names + rows) and error numbers. */
export interface Observed {
  sets: { columns: string[]; rows: unknown[][] }[];
  errors: number[];
}

export function loadCorpus(): CorpusEntry[] {
  if (!CORPUS_DIR) return [];
  return (JSON.parse(readFileSync(join(CORPUS_DIR, 'expect.json'), 'utf8')) as { entries: CorpusEntry[] }).entries;
}

export function batchesOf(file: string): string[] {
  const text = readFileSync(join(CORPUS_DIR!, file), 'utf8');
  return text.split(/^\s*GO\s*(?:--.*)?$/im).filter((b) => b.trim() !== '' && b.replace(/--.*$/gm, '').trim() !== '');
}

const same = (a: unknown, b: unknown): boolean => {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (typeof b === 'number' || typeof b === 'boolean') return String(a) === String(b) || (typeof a === 'boolean' && Number(a) === Number(b)) || Number(a) === Number(b);
  return String(a).trim() === String(b).trim();
};

/** Why an observation does not match the entry, or undefined when it does. */
export function mismatch(e: CorpusEntry, o: Observed, scenario: string, client: 'mssql' | 'tsql' = 'mssql'): string | undefined {
  const err = /^error (\d+)$/.exec(e.expect);
  if (err) return o.errors.includes(Number(err[1])) ? undefined : `expected error ${err[1]}, got errors [${o.errors.join(',')}]`;
  if (o.errors.length) return `errors [${o.errors.join(',')}]`;
  if (e.expect === 'ok') return undefined;
  // tsql prints text: errors and result sets are reliable, column boundaries and types are not.
  if (client === 'tsql') return o.sets.length >= 1 ? undefined : 'no result set';
  if (o.sets.length < Math.max(1, e.sets ?? 1)) return `expected ${e.sets ?? 1} result set(s), got ${o.sets.length}`;
  if (e.columns && JSON.stringify(o.sets[0]!.columns) !== JSON.stringify(e.columns)) return `columns ${JSON.stringify(o.sets[0]!.columns)}`;
  if (e.columns_last && JSON.stringify(o.sets.at(-1)!.columns) !== JSON.stringify(e.columns_last)) return `last columns ${JSON.stringify(o.sets.at(-1)!.columns)}`;
  for (const v of e.values ?? []) {
    if (v.scenario && v.scenario !== scenario) continue;
    const set = o.sets.at(v.set ?? 0);
    const i = set?.columns.indexOf(v.col) ?? -1;
    if (!set || i < 0) return `no column ${v.col}`;
    if (!set.rows.some((r) => same(r[i], v.any))) return `no row with ${v.col} = ${JSON.stringify(v.any)} (got ${JSON.stringify(set.rows.map((r) => r[i]))})`;
  }
  return undefined;
}
