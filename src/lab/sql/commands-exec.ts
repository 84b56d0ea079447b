import type { BatchOutput, SqlValue } from '../engine-types.js';
import { endpointCertificateOf } from '../model/link-api.js';
import { SqlServerError } from '../model/sql-error.js';
import { acquireAppLock, releaseAppLock } from './app-locks.js';
import { Cursor, info, syntaxError, type CommandParser } from './cursor.js';
import type { ExecContext } from './types.js';
import { readErrorLog } from './error-log.js';

/**
 * EXEC of the system procedures the lab implements. Arguments are literals or variables, named
 * (`@Resource = 'x'`) or positional; mssql's RPC form arrives as named params (see engine).
 *
 * | number | when | confidence |
 * |---|---|---|
 * | 2812 | unknown procedure (also sp_get_endpoint_certificate on SQL Server) | documented |
 * | 15123 | sp_configure: no such option, or advanced while 'show advanced options' is 0 | documented |
 * | 15129 | sp_configure: value out of range | documented |
 * | 15457 | info: configuration option changed, run RECONFIGURE | documented |
 * | 1223 | sp_releaseapplock of a lock not held | documented |
 */
export type ProcArgs = { name?: string; value: SqlValue }[];

const POSITIONS: Record<string, string[]> = {
  sp_getapplock: ['resource', 'lockmode', 'lockowner', 'locktimeout', 'dbprincipal'],
  sp_releaseapplock: ['resource', 'lockowner', 'dbprincipal'],
  sp_configure: ['configname', 'configvalue'],
  sp_get_endpoint_certificate: ['endpoint_type'],
};

function named(proc: string, args: ProcArgs): Map<string, SqlValue> {
  const out = new Map<string, SqlValue>();
  args.forEach((a, i) => {
    const key = a.name?.toLowerCase() ?? POSITIONS[proc]?.[i];
    if (key) out.set(key, a.value);
  });
  return out;
}

function spConfigure(ctx: ExecContext, a: Map<string, SqlValue>): BatchOutput[] {
  const showAdvanced = ctx.inst.configurations.find((c) => c.name === 'show advanced options')!.valueInUse === 1;
  const visible = ctx.inst.configurations.filter((c) => showAdvanced || !c.isAdvanced);
  const wanted = a.get('configname');
  const matches = wanted === undefined || wanted === null ? visible : visible.filter((c) => c.name.toLowerCase().includes(String(wanted).toLowerCase()));
  const exact = matches.find((c) => c.name.toLowerCase() === String(wanted).toLowerCase());
  if (wanted !== undefined && wanted !== null && matches.length === 0) {
    throw new SqlServerError(15123, `The configuration option '${String(wanted)}' does not exist, or it may be an advanced option.`);
  }
  const value = a.get('configvalue');
  if (value === undefined || value === null) {
    const columns = [
      { name: 'name', type: { name: 'nvarchar' as const, length: 35 } },
      { name: 'minimum', type: { name: 'int' as const } },
      { name: 'maximum', type: { name: 'int' as const } },
      { name: 'config_value', type: { name: 'int' as const } },
      { name: 'run_value', type: { name: 'int' as const } },
    ];
    return [{ kind: 'resultSet', columns, rows: matches.map((c) => [c.name, c.minimum, c.maximum, c.value, c.valueInUse]) }, { kind: 'returnStatus', value: 0 }];
  }
  const target = exact ?? (matches.length === 1 ? matches[0] : undefined);
  if (!target) throw new SqlServerError(15123, `The configuration option '${String(wanted)}' does not exist, or it may be an advanced option.`);
  const n = Number(value);
  if (!Number.isInteger(n) || n < target.minimum || n > target.maximum) {
    throw new SqlServerError(15129, `'${String(value)}' is not a valid value for configuration option '${target.name}'.`);
  }
  const before = target.value;
  target.value = n;
  ctx.world.event(ctx.inst.name, 'configure', `${target.name} set to ${n} (pending RECONFIGURE)`);
  return [info(15457, `Configuration option '${target.name}' changed from ${before} to ${n}. Run the RECONFIGURE statement to install.`), { kind: 'returnStatus', value: 0 }];
}

/** Runs a procedure with already-evaluated arguments (shared by EXEC text and RPC calls). */
export function callProcedure(ctx: ExecContext, procName: string, args: ProcArgs): BatchOutput[] {
  const proc = procName.toLowerCase().replace(/^(master\.)?(sys|dbo)?\.?/, '').replace(/^\[|\]$/g, '');
  const a = named(proc, args);
  switch (proc) {
    case 'sp_getapplock':
      return [{ kind: 'returnStatus', value: acquireAppLock(ctx, a) }];
    case 'sp_releaseapplock':
      return releaseAppLock(ctx, a);
    case 'sp_configure':
      return spConfigure(ctx, a);
    case 'xp_readerrorlog':
    case 'sp_readerrorlog':
      return readErrorLog(ctx, args.map((x) => x.value));
    case 'sp_get_endpoint_certificate':
      if (ctx.inst.kind !== 'mi') break;
      return [
        {
          kind: 'resultSet',
          columns: [
            { name: 'endpoint_type', type: { name: 'int' } },
            { name: 'endpoint_certificate', type: { name: 'varbinary', length: 'max' } },
          ],
          rows: [[Number(a.get('endpoint_type') ?? 4), endpointCertificateOf(ctx.world, ctx.inst.name)]],
        },
        { kind: 'returnStatus', value: 0 },
      ];
  }
  throw new SqlServerError(2812, `Could not find stored procedure '${procName}'.`);
}

function argValue(c: Cursor, ctx: ExecContext): SqlValue {
  const t = c.next();
  if (t.type === 'string') return t.value;
  if (t.type === 'number') return Number(t.value);
  if (t.type === 'binary') return Uint8Array.from(Buffer.from(t.value, 'hex'));
  if (t.value === '-' && c.peek()?.type === 'number') return -Number(c.next().value);
  if (t.type === 'word' && t.value === 'NULL') return null;
  if (t.type === 'var') {
    const v = ctx.vars.get(t.value);
    if (!v) throw new SqlServerError(137, `Must declare the scalar variable "${t.text}".`, 15, 2);
    return v.value;
  }
  throw syntaxError(t);
}

export const parseExec: CommandParser = (s) => {
  const c = new Cursor(s.tokens);
  if (!c.accept('EXEC') && !c.accept('EXECUTE')) return undefined;
  let status: string | undefined;
  if (c.peek()?.type === 'var' && c.peek(1)?.value === '=') {
    status = c.next().value;
    c.next();
  }
  const parts = [c.name()];
  while (c.accept('.')) parts.push(c.name());
  const procName = parts.join('.');
  const start = c.i;
  return (ctx) => {
    c.i = start;
    const args: ProcArgs = [];
    if (!c.done()) {
      do {
        let name: string | undefined;
        if (c.peek()?.type === 'var' && c.peek(1)?.value === '=') {
          name = c.next().value;
          c.next();
        }
        args.push({ name, value: argValue(c, ctx) });
      } while (c.accept(','));
    }
    c.end();
    const out = callProcedure(ctx, procName, args);
    const rs = out.find((o) => o.kind === 'returnStatus');
    if (status && rs && rs.kind === 'returnStatus') {
      const v = ctx.vars.get(status);
      if (!v) throw new SqlServerError(137, `Must declare the scalar variable "@${status}".`, 15, 2);
      v.value = rs.value;
    }
    return out;
  };
};
