import * as hadr from './views-hadr.js';
import * as server from './views-server.js';
import type { ViewDef } from './types.js';

const ALL: ViewDef[] = [...Object.values(hadr), ...Object.values(server)];

/** Views by canonical lower-case name ('sys.databases', 'msdb.dbo.backupset'). */
export const VIEWS: ReadonlyMap<string, ViewDef> = new Map(ALL.map((v) => [v.name, v]));

/** alasql table name for a view: dots are not allowed in its identifiers. */
export function tableNameOf(view: ViewDef): string {
  return `v_${view.name.replace(/\./g, '_')}`;
}
