import type { BatchOutput, SqlValue } from '../engine-types.js';
import type { ExecContext } from './types.js';

/**
 * The SQL Server error log the lab implies, for xp_readerrorlog / sp_readerrorlog: the startup
 * lines every instance writes, then the world's events on this instance and the link errors the
 * model holds (e.g. 1412 when seeding fails, 41973 when the partner's certificate is not trusted),
 * in SQL Server's "Error: N, Severity: S, State: T." + message form.
 */
interface LogLine {
  at: number;
  process: string;
  text: string;
}

function linesOf(ctx: ExecContext): LogLine[] {
  const { inst, world } = ctx;
  const t0 = inst.startedAt;
  const lines: LogLine[] = [
    { at: t0, process: 'Server', text: inst.versionText.split('\n')[0]!.trim() },
    { at: t0, process: 'Server', text: 'UTC adjustment: 0:00' },
    { at: t0, process: 'Server', text: '(c) Microsoft Corporation.' },
    { at: t0, process: 'Server', text: 'All rights reserved.' },
    { at: t0, process: 'Server', text: `Server process ID is ${4000 + inst.name.length * 37}.` },
    { at: t0, process: 'Server', text: "System Manufacturer: 'Microsoft Corporation', System Model: 'Virtual Machine'." },
    { at: t0, process: 'Server', text: `The service account is 'NT Service\\MSSQLSERVER'. This is an informational message; no user action is required.` },
    { at: t0, process: 'Server', text: `Server is listening on [ 'any' <ipv4> 1433].` },
    { at: t0, process: 'spid9s', text: `The Database Mirroring endpoint is now listening for connections.` },
  ];
  for (const e of world.events) if (e.instance === inst.name && e.at >= t0) lines.push({ at: e.at, process: 'spid30s', text: e.message });
  const side = world.sideOf(inst.name);
  const link = world.link;
  const errors = [side?.lastConnectError && { number: side.lastConnectError.number, message: side.lastConnectError.description, at: side.lastConnectError.at }];
  // Seeding and creation errors are raised by the seeding target (the secondary).
  if (link && side && side.role !== 'PRIMARY') errors.push(link.creationError ?? undefined, link.mostRecentError ?? undefined);
  const seen = new Set<string>();
  for (const err of errors) {
    if (!err || seen.has(`${err.number}@${err.at}`)) continue;
    seen.add(`${err.number}@${err.at}`);
    lines.push({ at: err.at, process: 'spid52s', text: `Error: ${err.number}, Severity: 16, State: 1.` }, { at: err.at, process: 'spid52s', text: err.message });
  }
  return lines.sort((a, b) => a.at - b.at);
}

/** `xp_readerrorlog [log, type, search1, search2, start, end, sort]`: only the current SQL Server log (0, 1) has lines. */
export function readErrorLog(ctx: ExecContext, args: SqlValue[]): BatchOutput[] {
  const [logNo = 0, logType = 1, s1, s2, , , sort] = args;
  const has = (text: string, s: SqlValue | undefined): boolean => s === undefined || s === null || text.toLowerCase().includes(String(s).toLowerCase());
  const lines = Number(logNo ?? 0) === 0 && Number(logType ?? 1) === 1 ? linesOf(ctx).filter((l) => has(l.text, s1) && has(l.text, s2)) : [];
  if (String(sort ?? 'asc').toLowerCase() === 'desc') lines.reverse();
  const columns = [
    { name: 'LogDate', type: { name: 'datetime' as const } },
    { name: 'ProcessInfo', type: { name: 'nvarchar' as const, length: 50 } },
    { name: 'Text', type: { name: 'nvarchar' as const, length: 4000 } },
  ];
  return [{ kind: 'resultSet', columns, rows: lines.map((l) => [new Date(l.at), l.process, l.text]) }, { kind: 'returnStatus', value: 0 }];
}
