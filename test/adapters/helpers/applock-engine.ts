import { setTimeout as sleep } from 'node:timers/promises';
import type { BatchOutput, ColumnDef, SessionContext, SqlEngine, SqlRequest, SqlValue } from '../../../src/lab/engine-types.js';

export const LOGIN = 'agmedic';
/** A password distinctive enough that finding it in any output can only mean a leak. */
export const PASSWORD = 'Zq7!leak-canary-9472';

/**
 * A small SqlEngine for the adapter's integration tests, behind the lab's real TDS server:
 * - `SELECT 1` (mssql's pool validation), `SELECT @@SPID AS spid`; `ECHO` returns every parameter back (values in their own types, then
 *   one row per parameter with its wire type); `MULTI` two result sets and a DML count;
 * - `SELECT * FROM missing` → error 208 (class 16, state 1, line 1), preceded by nothing;
 * - `WAITFOR DELAY` sleeps 10 s unless the client cancels (ATTENTION aborts the signal);
 * - `EXEC sp_getapplock` / `sp_releaseapplock` (RPC) with exclusive session-owned locks that wait
 *   up to @LockTimeout and end with the session, as SQL Server's do.
 * Anything else is error 102, so a statement the adapter should not send fails loudly.
 */
export interface AppLockEngine extends SqlEngine {
  readonly requests: SqlRequest[];
  /** resource (lower-cased) → owning spid. */
  readonly locks: Map<string, number>;
}

const intCol = (name: string): ColumnDef => ({ name, type: { name: 'int' } });
const textCol = (name: string): ColumnDef => ({ name, type: { name: 'nvarchar', length: 128 } });

export function createAppLockEngine(): AppLockEngine {
  const requests: SqlRequest[] = [];
  const locks = new Map<string, number>();
  const released = new EventTarget();

  const param = (req: SqlRequest, name: string): SqlValue | undefined => req.params.find((p) => p.name.toLowerCase() === name.toLowerCase())?.value;

  const getAppLock = async (req: SqlRequest): Promise<BatchOutput[]> => {
    const resource = param(req, 'Resource');
    const mode = String(param(req, 'LockMode') ?? '');
    const owner = String(param(req, 'LockOwner') ?? 'Transaction');
    const timeout = Number(param(req, 'LockTimeout') ?? -1);
    if (typeof resource !== 'string' || mode !== 'Exclusive' || owner !== 'Session') return [{ kind: 'returnStatus', value: -999 }];
    const key = resource.toLowerCase();
    const deadline = Date.now() + (timeout < 0 ? 3_600_000 : timeout);
    let waited = false;
    for (;;) {
      const holder = locks.get(key);
      if (holder === undefined || holder === req.session.spid) break;
      if (Date.now() >= deadline) return [{ kind: 'returnStatus', value: -1 }];
      waited = true;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          released.removeEventListener('release', done);
          req.signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, Math.max(1, deadline - Date.now()));
        released.addEventListener('release', done);
        req.signal.addEventListener('abort', done);
      });
      if (req.signal.aborted) return [{ kind: 'returnStatus', value: -2 }];
    }
    locks.set(key, req.session.spid);
    return [{ kind: 'returnStatus', value: waited ? 1 : 0 }];
  };

  const releaseAppLock = (req: SqlRequest): BatchOutput[] => {
    const key = String(param(req, 'Resource')).toLowerCase();
    if (locks.get(key) !== req.session.spid) {
      return [
        { kind: 'error', number: 1223, state: 1, class: 16, message: `Cannot release the application lock (Resource: '${key}') because it is not currently held.` },
        { kind: 'returnStatus', value: -999 },
      ];
    }
    locks.delete(key);
    released.dispatchEvent(new Event('release'));
    return [{ kind: 'returnStatus', value: 0 }];
  };

  const run = async (req: SqlRequest): Promise<BatchOutput[]> => {
    const text = req.text.trim().replace(/;+$/, '').trim();
    const upper = text.toUpperCase();
    if (upper.startsWith('SET ')) return [{ kind: 'done' }];
    // mssql validates a pooled connection with `SELECT 1;` before every request.
    if (upper === 'SELECT 1') return [{ kind: 'resultSet', columns: [intCol('')], rows: [[1]] }];
    if (upper === 'SELECT @@SPID AS SPID') return [{ kind: 'resultSet', columns: [intCol('spid')], rows: [[req.session.spid]] }];
    if (upper === 'ECHO') {
      return [
        { kind: 'resultSet', columns: req.params.map((p) => ({ name: p.name, type: p.type })), rows: [req.params.map((p) => p.value)] },
        {
          kind: 'resultSet',
          columns: [textCol('name'), textCol('type')],
          rows: req.params.map((p) => [p.name, p.type.name]),
        },
      ];
    }
    if (upper === 'MULTI') {
      return [
        { kind: 'resultSet', columns: [intCol('a')], rows: [[1], [2]] },
        { kind: 'done', rowCount: 3 },
        { kind: 'resultSet', columns: [textCol('b')], rows: [['last']] },
      ];
    }
    if (upper === 'SELECT * FROM MISSING') return [{ kind: 'error', number: 208, state: 1, class: 16, message: "Invalid object name 'missing'.", line: 1 }];
    if (upper === "WAITFOR DELAY '00:00:10'") {
      await sleep(10_000, undefined, { signal: req.signal }).catch(() => undefined);
      return [{ kind: 'done' }];
    }
    if (req.kind === 'rpc' && upper === 'EXEC SP_GETAPPLOCK') return getAppLock(req);
    if (req.kind === 'rpc' && upper === 'EXEC SP_RELEASEAPPLOCK') return releaseAppLock(req);
    return [{ kind: 'error', number: 102, state: 1, class: 15, message: `Incorrect syntax near '${text.slice(0, 20)}'.`, line: 1 }];
  };

  return {
    serverName: 'ADAPTERTEST',
    requests,
    locks,
    authenticate: (login, password) => login === LOGIN && password === PASSWORD,
    defaultDatabase: () => 'master',
    hasDatabase: (name) => name.toLowerCase() === 'master',
    execute: async (req) => {
      requests.push(req);
      return run(req);
    },
    closeSession: (session: SessionContext) => {
      for (const [key, spid] of locks) if (spid === session.spid) locks.delete(key);
      released.dispatchEvent(new Event('release'));
    },
  };
}
