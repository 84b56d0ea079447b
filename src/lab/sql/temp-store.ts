import type { SessionContext, SqlType } from '../engine-types.js';
import type { Row, ViewDef } from './types.js';

/**
 * Temporary tables (#name) and table variables (@name) of one session. Each is served to the SELECT
 * stage as a view whose rows live here; #tables last until dropped or the session ends, table
 * variables until the end of the batch that declared them (run-batch clears them).
 */
export interface TempTable {
  /** As declared: '#BlitzResults', '@t'. */
  name: string;
  columns: [string, SqlType][];
  identity?: { column: string; next: number; step: number };
  rows: Row[];
  view: ViewDef;
  objectId: number;
}

let generation = 0;

function store(session: SessionContext): Map<string, TempTable> {
  let m = session.state.get('tempTables') as Map<string, TempTable> | undefined;
  if (!m) {
    m = new Map();
    session.state.set('tempTables', m);
  }
  return m;
}

/** '#x', 'tempdb..#x', 'tempdb.dbo.#x' → '#x'; '@t' → '@t'. */
export function tempKey(name: string): string {
  return name.replace(/^tempdb\.[^.]*\./i, '').toLowerCase();
}

export function findTemp(session: SessionContext, name: string): TempTable | undefined {
  return (session.state.get('tempTables') as Map<string, TempTable> | undefined)?.get(tempKey(name));
}

export function createTemp(session: SessionContext, name: string, columns: [string, SqlType][], identity?: TempTable['identity']): TempTable {
  const id = ++generation;
  const table: TempTable = {
    name, columns, identity, rows: [], objectId: -1_000_000 - id,
    view: { name: `tmp.${session.spid}.${id}`, columns, rows: () => table.rows.map((r) => ({ ...r })), volatile: true, temp: true },
  };
  store(session).set(tempKey(name), table);
  return table;
}

export function dropTemp(session: SessionContext, name: string): boolean {
  return store(session).delete(tempKey(name));
}

/** Table variables end with their batch. */
export function dropTableVariables(session: SessionContext): void {
  const m = session.state.get('tempTables') as Map<string, TempTable> | undefined;
  if (m) for (const k of [...m.keys()]) if (k.startsWith('@')) m.delete(k);
}
