import type { BatchOutput, SqlValue } from '../engine-types.js';
import type { AppLock, InstanceState } from '../model/types.js';
import { SqlServerError } from '../model/sql-error.js';
import type { ExecContext } from './types.js';

/**
 * sp_getapplock / sp_releaseapplock with session-owned locks. Return codes as documented: 0 granted,
 * 1 granted after waiting, -1 timeout, -2 cancelled, -3 deadlock victim, -999 parameter error.
 */
type Mode = AppLock['mode'];
const MODES: Mode[] = ['Shared', 'Update', 'IntentShared', 'IntentExclusive', 'Exclusive'];

/** Lock compatibility matrix (SQL Server's, for the application-lock modes). */
const COMPATIBLE: Record<Mode, Mode[]> = {
  Shared: ['Shared', 'Update', 'IntentShared'],
  Update: ['Shared', 'IntentShared'],
  IntentShared: ['Shared', 'Update', 'IntentShared', 'IntentExclusive'],
  IntentExclusive: ['IntentShared', 'IntentExclusive'],
  Exclusive: [],
};

export function acquireAppLock(ctx: ExecContext, a: Map<string, SqlValue>): number {
  const resource = a.get('resource');
  const modeRaw = String(a.get('lockmode') ?? '');
  const mode = MODES.find((m) => m.toLowerCase() === modeRaw.toLowerCase());
  const owner = String(a.get('lockowner') ?? 'Transaction').toLowerCase();
  if (typeof resource !== 'string' || resource.length === 0 || resource.length > 255 || !mode || (owner !== 'session' && owner !== 'transaction')) return -999;
  // The lab has no user transactions: a transaction-owned lock has nothing to belong to.
  if (owner === 'transaction') return -999;
  const database = ctx.session.database.toLowerCase();
  const key = resource.toLowerCase();
  const same = ctx.inst.appLocks.filter((l) => l.database === database && l.resource.toLowerCase() === key);
  const mine = same.find((l) => l.ownerSpid === ctx.session.spid && l.mode === mode);
  const blocked = same.some((l) => l.ownerSpid !== ctx.session.spid && !COMPATIBLE[mode].includes(l.mode));
  if (blocked) {
    // Any timeout resolves at once: the lab does not queue waiters (see the report's gaps).
    return -1;
  }
  if (mine) mine.count++;
  else ctx.inst.appLocks.push({ resource, database, mode, ownerSpid: ctx.session.spid, count: 1 });
  ctx.world.touch();
  return 0;
}

export function releaseAppLock(ctx: ExecContext, a: Map<string, SqlValue>): BatchOutput[] {
  const resource = a.get('resource');
  const owner = String(a.get('lockowner') ?? 'Transaction').toLowerCase();
  if (typeof resource !== 'string' || owner !== 'session') return [{ kind: 'returnStatus', value: -999 }];
  const database = ctx.session.database.toLowerCase();
  const i = ctx.inst.appLocks.findIndex((l) => l.database === database && l.resource.toLowerCase() === resource.toLowerCase() && l.ownerSpid === ctx.session.spid);
  if (i < 0) {
    const e = new SqlServerError(1223, `Cannot release the application lock (Database Principal: 'public', Resource: '${resource}') because it is not currently held.`);
    return [{ kind: 'error', number: e.number, state: 1, class: 16, message: e.message }, { kind: 'returnStatus', value: -999 }];
  }
  const lock = ctx.inst.appLocks[i]!;
  if (--lock.count === 0) ctx.inst.appLocks.splice(i, 1);
  ctx.world.touch();
  return [{ kind: 'returnStatus', value: 0 }];
}

/** Session end releases every session-owned applock, as SQL Server does on disconnect. */
export function releaseSessionLocks(inst: InstanceState, spid: number): void {
  for (let i = inst.appLocks.length - 1; i >= 0; i--) if (inst.appLocks[i]!.ownerSpid === spid) inst.appLocks.splice(i, 1);
}
