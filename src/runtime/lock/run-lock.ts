/**
 * One operator at a time. A run holds `sp_getapplock` (Exclusive, Session owner) on every SQL
 * target for `agmedic:<link>`. SQL Server does not say who owns an application lock in a way every
 * login can read, so the holder announces itself: every session of a run is opened with the
 * program name `agmedic lock=<hash of the resource> run=<run id> op=<operator>` (visible in
 * sys.dm_exec_sessions.program_name, with host_name and login_time next to it). A refused run
 * reads that row back to say who holds the lock, on which host, and since when.
 *
 * On SQL Server, seeing other logins' sessions needs VIEW SERVER STATE; without it the refusal still
 * happens (the lock is authoritative) but names no holder.
 */
import { createHash } from 'node:crypto';
import { AgmedicError, isAgmedicError } from '../../errors.js';
import type { BoundParam, SqlTarget } from '../../ports/sql-target.js';
import type { ParamValue } from '../../compile/types.js';
import type { Runbook } from '../../runbook/schema.js';

/**
 * The lock resource of a run: `agmedic:<value of metadata.lock or the link parameter>`, normalised
 * the way SQL Server compares names under its default (case-insensitive) collation, because
 * sp_getapplock compares resources byte for byte while `SalesLink`, `saleslink` and `SalesLink `
 * (trailing spaces are ignored in comparisons) all name the same availability group.
 *
 * @example
 * lockResource(runbook, { link: 'SalesLink  ' }) === lockResource(runbook, { link: 'saleslink' }) // true
 */
export function lockResource(runbook: Runbook, values: Record<string, ParamValue>): string {
  const param = runbook.metadata.lock ?? 'link';
  const v = Object.hasOwn(values, param) ? values[param] : undefined;
  return `agmedic:${normaliseName(v === undefined ? runbook.metadata.name : String(v))}`.slice(0, 255);
}

/** A name as SQL Server's default collation compares it: trailing spaces dropped, case folded. */
export function normaliseName(name: string): string {
  // Only U+0020: SQL Server pads with spaces, and a trailing tab or NBSP is significant.
  return name.replace(/ +$/, '').normalize('NFC').toLowerCase();
}

const lockTag = (resource: string): string => createHash('sha256').update(resource.toLowerCase()).digest('hex').slice(0, 8);

/**
 * The program name (appName) every connection of the run uses; at most 128 characters.
 *
 * @example
 * lockAppName('agmedic:SalesLink', { runId: '20250314-031502-9f3a', operator: 'alice' })
 * // 'agmedic lock=1b2c3d4e run=20250314-031502-9f3a op=alice'
 */
export function lockAppName(resource: string, holder: { runId: string; operator: string }): string {
  const op = holder.operator.replace(/[^\w.@\\-]/g, '_').slice(0, 60);
  return `agmedic lock=${lockTag(resource)} run=${holder.runId} op=${op}`.slice(0, 128);
}

export interface LockHolder {
  runId?: string;
  operator?: string;
  host?: string;
  since?: Date;
}

type ReadRows = (text: string, params: BoundParam[]) => Promise<Record<string, unknown>[]>;

/** Who holds `resource` on `target`, from the sessions that announce it; undefined when not visible. */
export async function findLockHolder(target: SqlTarget | ReadRows, resource: string, selfRunId: string, signal?: AbortSignal): Promise<LockHolder | undefined> {
  const read: ReadRows = typeof target === 'function' ? target : async (text, params) => (await target.query(text, params, signal ? { signal } : {})).rows;
  try {
    const rows = await read('SELECT host_name, program_name, login_time FROM sys.dm_exec_sessions WHERE program_name LIKE @pattern', [
      { name: 'pattern', value: `agmedic lock=${lockTag(resource)} run=%` },
    ]);
    const others = rows
      .map((r) => ({ host: String(r.host_name ?? ''), program: String(r.program_name ?? ''), login: r.login_time instanceof Date ? r.login_time : undefined }))
      .filter((r) => !r.program.includes(`run=${selfRunId}`))
      .sort((a, b) => (a.login?.getTime() ?? 0) - (b.login?.getTime() ?? 0));
    const first = others[0];
    if (!first) return undefined;
    const m = / run=(\S+) op=(.*)$/.exec(first.program);
    return { ...(m ? { runId: m[1]!, operator: m[2]! } : {}), ...(first.host ? { host: first.host } : {}), ...(first.login ? { since: first.login } : {}) };
  } catch {
    return undefined;
  }
}

/**
 * Takes the run's lock on every SQL target (without waiting). A held lock is refused with
 * `LOCK_HELD` naming the holder's run id, operator, host and start time when they are visible.
 *
 * @example
 * await acquireRunLocks(targets.sql, lockResource(runbook, values), runId, signal);
 */
export async function acquireRunLocks(targets: Readonly<Record<string, SqlTarget>>, resource: string, runId: string, signal?: AbortSignal): Promise<void> {
  // Named again if the lock is ever lost with its session and taken by someone else (LOCK_LOST).
  const describeHolder = async (read: ReadRows): Promise<string | undefined> => {
    const holder = await findLockHolder(read, resource, runId);
    return holder ? describeLockHolder(holder) : undefined;
  };
  for (const target of Object.values(targets)) {
    try {
      await target.acquireLock(resource, { timeoutMs: 0, describeHolder, ...(signal ? { signal } : {}) });
    } catch (err) {
      if (!isAgmedicError(err) || err.code !== 'LOCK_HELD') throw err;
      const holder = await findLockHolder(target, resource, runId, signal);
      const who = holder ? describeLockHolder(holder) : 'another session (its details are not visible: VIEW SERVER STATE is needed to read them)';
      throw new AgmedicError('LOCK_HELD', `${target.describe()}: "${resource}" is held by ${who}; one operator at a time`, {
        details: { role: target.role, server: target.server, resource, ...(holder ? { holder: { ...holder, since: holder.since?.toISOString() } } : {}) },
      });
    }
  }
}

/** `run <id> by <operator> on <host>, since <time>` */
function describeLockHolder(holder: LockHolder): string {
  return holder.runId
    ? `run ${holder.runId} by ${holder.operator ?? '?'} on ${holder.host ?? '?'}, since ${holder.since?.toISOString() ?? '?'}`
    : 'another session (its details are not visible: VIEW SERVER STATE is needed to read them)';
}
