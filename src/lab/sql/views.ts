import * as hadr from './views-hadr.js';
import * as msdb from './views-msdb.js';
import * as os from './views-os.js';
import * as cluster from './views-hadr-cluster.js';
import * as security from './views-security.js';
import * as server from './views-server.js';
import type { ViewDef } from './types.js';
import { DOCUMENTED_COLUMNS } from './documented-columns.js';

/**
 * Every documented column, in the docs' order and type; the lab's own extra columns follow. A
 * documented column the model has no value for is NULL.
 */
function withDocumentedColumns(v: ViewDef): ViewDef {
  const documented = DOCUMENTED_COLUMNS[v.name];
  if (!documented) return v;
  const names = new Set(documented.map(([n]) => n));
  return { ...v, columns: [...documented, ...v.columns.filter(([n]) => !names.has(n))] };
}

const ALL: ViewDef[] = [...Object.values(hadr), ...Object.values(server), ...Object.values(security), ...Object.values(msdb), ...Object.values(os), ...Object.values(cluster)].map(withDocumentedColumns);

/**
 * Catalog views whose rows belong to one database. The lab keeps certificates and keys in master
 * only, so in any other database these views exist with their columns and no rows.
 */
export const DATABASE_SCOPED: ReadonlySet<string> = new Set(['sys.certificates', 'sys.symmetric_keys']);

const twins: ViewDef[] = ALL.filter((v) => DATABASE_SCOPED.has(v.name)).map((v) => ({ ...v, name: `${v.name}#user`, rows: () => [] }));

/** Views by canonical lower-case name ('sys.databases', 'msdb.dbo.backupset'; 'sys.certificates#user' outside master). */
export const VIEWS: ReadonlyMap<string, ViewDef> = new Map([...ALL, ...twins].map((v) => [v.name, v]));

/** alasql table name for a view: only letters, digits and _ are allowed in its identifiers. */
export function tableNameOf(view: ViewDef): string {
  return `v_${view.name.replace(/[^A-Za-z0-9_]/g, '_')}`;
}
