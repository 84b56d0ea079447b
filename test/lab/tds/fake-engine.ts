import { setTimeout as sleep } from 'node:timers/promises';
import type { BatchOutput, ColumnDef, SessionContext, SqlEngine, SqlRequest, SqlValue } from '../../../src/lab/engine-types.js';

/**
 * A table-driven stand-in for the lab instance: enough behaviour to drive every protocol path
 * with the real mssql driver, and nothing that pretends to be SQL.
 *
 * - `set ...` → done; `SELECT 1` → one int row; `SELECT DB_NAME()` → the session database
 * - `ECHO` → one row holding every parameter as sent, then one row per parameter with its type
 * - `RAISE n` → error n (state 2, class 16, line 3); `WAITFOR ms` → sleeps, honouring the signal
 * - `USE db` → database change; `ROWS n` → n rows of 100-char strings; `TWO` → two result sets + a DML count
 * - BEGIN/COMMIT/ROLLBACK TRANSACTION → done, tracked in session.state
 * - `EXEC sp_getapplock` → return status 0; anything in `table`; otherwise error 102.
 */
export interface FakeEngine extends SqlEngine {
  readonly table: Map<string, BatchOutput[]>;
  readonly requests: SqlRequest[];
  readonly closedSpids: number[];
}

const intCol = (name: string): ColumnDef => ({ name, type: { name: 'int' } });

export function createFakeEngine(): FakeEngine {
  const table = new Map<string, BatchOutput[]>();
  const requests: SqlRequest[] = [];
  const closedSpids: number[] = [];
  const databases = new Set(['master', 'agdb']);

  const run = async (req: SqlRequest): Promise<BatchOutput[]> => {
    const text = req.text.trim().replace(/;+$/, '').trim();
    const upper = text.toUpperCase();
    const tableHit = table.get(upper);
    if (tableHit) return tableHit;
    if (upper.startsWith('SET ')) return [{ kind: 'done' }];
    if (upper === 'SELECT 1') return [{ kind: 'resultSet', columns: [intCol('')], rows: [[1]] }];
    if (upper === 'SELECT DB_NAME()') {
      return [{ kind: 'resultSet', columns: [{ name: 'db', type: { name: 'nvarchar', length: 128 } }], rows: [[req.session.database]] }];
    }
    if (upper === 'SELECT @@SPID') return [{ kind: 'resultSet', columns: [intCol('spid')], rows: [[req.session.spid]] }];
    if (upper === 'ECHO') return echo(req);
    if (upper === 'TWO') {
      return [
        { kind: 'resultSet', columns: [intCol('a')], rows: [[1], [2]] },
        { kind: 'done', rowCount: 5 },
        { kind: 'resultSet', columns: [intCol('b')], rows: [[3]] },
      ];
    }
    const raise = /^RAISE (\d+)$/.exec(upper);
    if (raise) return [{ kind: 'error', number: Number(raise[1]), state: 2, class: 16, message: `raised ${raise[1]}`, line: 3 }];
    const wait = /^WAITFOR (\d+)$/.exec(upper);
    if (wait) {
      await sleep(Number(wait[1]), undefined, { signal: req.signal });
      return [{ kind: 'resultSet', columns: [intCol('')], rows: [[1]] }];
    }
    const rows = /^ROWS (\d+)$/.exec(upper);
    if (rows) {
      const n = Number(rows[1]);
      const data: SqlValue[][] = Array.from({ length: n }, (_, i) => [i, `${String(i).padStart(6, '0')}${'x'.repeat(94)}`]);
      return [{ kind: 'resultSet', columns: [intCol('i'), { name: 's', type: { name: 'nvarchar', length: 100 } }], rows: data }];
    }
    const use = /^USE \[?(\w+)\]?$/.exec(text);
    if (use) {
      if (!databases.has(use[1]!)) return [{ kind: 'error', number: 911, state: 1, class: 16, message: `Database '${use[1]}' does not exist.` }];
      return [{ kind: 'database', name: use[1]! }];
    }
    const tran = /^(BEGIN|COMMIT|ROLLBACK) TRANSACTION/.exec(upper);
    if (tran) return transaction(req.session, tran[1]!);
    if (upper === 'EXEC SP_GETAPPLOCK') return [{ kind: 'returnStatus', value: 1 }];
    return [{ kind: 'error', number: 102, state: 1, class: 15, message: `Incorrect syntax near '${text.slice(0, 20)}'.` }];
  };

  return {
    serverName: 'LABSQL01',
    table,
    requests,
    closedSpids,
    authenticate: (login, password) => login === 'sa' && password === 'pw',
    defaultDatabase: () => 'master',
    hasDatabase: (name) => databases.has(name),
    execute: async (req) => {
      requests.push(req);
      return run(req);
    },
    closeSession: (session) => {
      closedSpids.push(session.spid);
    },
  };
}

function echo(req: SqlRequest): BatchOutput[] {
  return [
    {
      kind: 'resultSet',
      columns: req.params.map((p) => ({ name: p.name, type: p.type })),
      rows: [req.params.map((p) => p.value)],
    },
    {
      kind: 'resultSet',
      columns: [
        { name: 'name', type: { name: 'nvarchar', length: 128 } },
        { name: 'type', type: { name: 'nvarchar', length: 128 } },
        { name: 'length', type: { name: 'nvarchar', length: 10 } },
        { name: 'precision', type: { name: 'int' } },
        { name: 'scale', type: { name: 'int' } },
        { name: 'output', type: { name: 'bit' } },
      ],
      rows: req.params.map((p) => [
        p.name,
        p.type.name,
        p.type.length === undefined ? null : String(p.type.length),
        p.type.precision ?? null,
        p.type.scale ?? null,
        p.output === true,
      ]),
    },
  ];
}

function transaction(session: SessionContext, verb: string): BatchOutput[] {
  const depth = (session.state.get('trancount') as number | undefined) ?? 0;
  if (verb === 'BEGIN') {
    session.state.set('trancount', depth + 1);
    return [{ kind: 'done' }];
  }
  if (depth === 0) {
    return [{ kind: 'error', number: 3902, state: 1, class: 16, message: 'The COMMIT TRANSACTION request has no corresponding BEGIN TRANSACTION.' }];
  }
  session.state.set('trancount', 0);
  session.state.set('lastTransactionEnd', verb);
  return [{ kind: 'done' }];
}
