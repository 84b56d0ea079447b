/**
 * Issue 11: every column Microsoft documents for the objects the lab serves
 * (../shared/reference/tsql/docs-columns.json), compared with what `SELECT TOP 0 *` describes
 * through the real mssql driver: name and type (with length/precision/scale where documented).
 * 100% for the link's own views, ≥ 95% overall.
 */
import { existsSync, readFileSync } from 'node:fs';
import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../../../src/lab/index.js';

const FILE = ['/work/shared/reference/tsql/docs-columns.json'].find((f) => existsSync(f));
const LINK_VIEWS = /^sys\.(availability_|dm_hadr_|database_mirroring_endpoints)/;

type Doc = Record<string, [string, string][]> & { _errata?: Record<string, Record<string, { name?: string; type?: string }>> };

interface Described {
  name: string;
  type: string;
  length?: number;
  precision?: number;
  scale?: number;
}

/** Documented type → what the driver reports: base name and, where given, size. */
function expected(docType: string): { type: string; length?: number; precision?: number; scale?: number } {
  const t = docType.toLowerCase().replace(/ not null$/, '').trim();
  if (t === 'sysname') return { type: 'nvarchar', length: 128 };
  const m = /^(\w+)\s*(?:\(\s*(max|\d+)\s*(?:,\s*(\d+)\s*)?\))?$/.exec(t);
  if (!m) return { type: t };
  const [, base, a, b] = m;
  if (base === 'numeric' || base === 'decimal') return { type: base, ...(a ? { precision: Number(a), scale: Number(b ?? 0) } : {}) };
  if (a === undefined) return { type: base! };
  return { type: base!, length: a === 'max' ? -1 : Number(a) };
}

let lab: Lab;
let pool: sql.ConnectionPool;
beforeAll(async () => {
  lab = await startLab({ password: 'columns-pw' });
  pool = await new sql.ConnectionPool({ server: lab.sqlserver.host, port: lab.sqlserver.port, user: lab.login, password: lab.password, options: { encrypt: false }, pool: { max: 1 } }).connect();
}, 30_000);
afterAll(async () => {
  await pool?.close();
  await lab?.close();
});

async function describeObject(name: string): Promise<Map<string, Described> | number> {
  try {
    const r = await pool.request().query(`SELECT TOP 0 * FROM ${name}`);
    const cols = r.recordset.columns as unknown as Record<string, { name: string; type: { declaration: string }; length?: number; precision?: number; scale?: number }>;
    return new Map(Object.values(cols).map((c) => {
      const type = c.type.declaration === 'variant' ? 'sql_variant' : c.type.declaration;
      const wide = type === 'nvarchar' || type === 'nchar';
      const length = c.length === undefined ? undefined : c.length > 8000 || c.length === 65535 ? -1 : wide ? c.length / 2 : c.length;
      return [c.name, { name: c.name, type, length, precision: c.precision, scale: c.scale }];
    }));
  } catch (err) {
    return (err as { number?: number }).number ?? -1;
  }
}

describe.skipIf(!FILE)('documented columns', () => {
  it('TOP 0 metadata matches the docs: 100% for the link views, ≥ 95% overall', async () => {
    const doc = JSON.parse(readFileSync(FILE!, 'utf8')) as Doc;
    const misses: string[] = [];
    let total = 0;
    let linkMisses = 0;
    for (const [object, columns] of Object.entries(doc) as [string, [string, string][]][]) {
      if (object.startsWith('_')) continue;
      const got = await describeObject(object);
      for (const [docName, docType] of columns) {
        const fix = doc._errata?.[object]?.[docName];
        const name = fix?.name ?? docName;
        const want = expected(fix?.type ?? docType);
        total++;
        const have = typeof got === 'number' ? undefined : got.get(name);
        let why: string | undefined;
        if (typeof got === 'number') why = `object error ${got}`;
        else if (!have) why = 'missing';
        else if (have.type !== want.type) why = `type ${have.type} (docs ${want.type})`;
        else if (want.length !== undefined && have.length !== want.length) why = `length ${have.length} (docs ${want.length})`;
        else if (want.precision !== undefined && (have.precision !== want.precision || have.scale !== want.scale)) why = `precision ${have.precision},${have.scale} (docs ${want.precision},${want.scale})`;
        if (why) {
          misses.push(`${object}.${name}: ${why}`);
          if (LINK_VIEWS.test(object)) linkMisses++;
        }
      }
    }
    const matched = total - misses.length;
    console.log(`documented columns: ${matched}/${total} match (${((100 * matched) / total).toFixed(1)}%); link views: ${linkMisses} misses\n${misses.join('\n')}`);
    expect(misses.filter((m) => LINK_VIEWS.test(m))).toEqual([]);
    expect(matched / total).toBeGreaterThanOrEqual(0.95);
  }, 60_000);
});
