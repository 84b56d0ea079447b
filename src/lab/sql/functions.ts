import alasql from 'alasql';
import type { SessionContext } from '../engine-types.js';
import type { LabWorld } from '../model/lab-world.js';
import type { InstanceState } from '../model/types.js';
import { SqlServerError } from '../model/sql-error.js';
import { findTemp } from './temp-store.js';
import { VIEWS } from './views.js';
import { convertValue, dateAdd, dateDiff, datePart, toLabBinary } from './convert.js';

/**
 * The instance and session a SELECT runs for. alasql's custom functions are process-global and
 * called synchronously inside exec(), so the engine sets this just before each exec.
 */
export interface FunctionScope {
  world: LabWorld;
  inst: InstanceState;
  session: SessionContext;
}

let scope: FunctionScope | undefined;

export function withScope<T>(s: FunctionScope, run: () => T): T {
  const previous = scope;
  scope = s;
  try {
    return run();
  } finally {
    scope = previous;
  }
}

function need(): FunctionScope {
  if (!scope) throw new Error('lab SQL function called outside a statement');
  return scope;
}

const nowDate = (): Date => new Date(need().world.now());

function serverProperty(name: unknown): unknown {
  const { inst } = need();
  switch (String(name).toLowerCase()) {
    case 'servername':
    case 'machinename':
      return inst.name;
    case 'productversion':
      return inst.productVersion;
    case 'productmajorversion':
      return String(inst.majorVersion);
    case 'productbuild':
      // The third part of ProductVersion (16.0.4165.4 → 4165): what a CU13+ (4125) check compares.
      return inst.productVersion.split('.')[2] ?? null;
    case 'edition':
      return inst.edition;
    case 'engineedition':
      return inst.kind === 'mi' ? 8 : 3;
    case 'ishadrenabled':
      return 1;
    case 'hadrmanagerstatus':
      return 1;
    case 'isclustered':
      return 0;
    case 'productlevel':
      return 'RTM';
    case 'productupdatelevel':
      return inst.kind === 'mi' ? null : 'CU16';
    case 'collation':
      return 'SQL_Latin1_General_CP1_CI_AS';
    default:
      return null;
  }
}

/**
 * `=` and `<>` under SQL_Latin1_General_CP1_CI_AS: strings compare case-insensitively and ignore
 * trailing spaces; everything else compares by value (dates, varbinary as LabBinary). The SELECT
 * stage emits alasql's `==` / `!==`, which call alasql.utils.deepEqual; alasql itself calls its
 * internal copy, so replacing the exported one changes only the comparisons the lab emits.
 */
export function labEquals(x: unknown, y: unknown): boolean {
  if (x === null || x === undefined || y === null || y === undefined) return false;
  if (typeof x === 'string' && typeof y === 'string') return x === y || x.replace(/ +$/, '').toUpperCase() === y.replace(/ +$/, '').toUpperCase();
  return (x as { valueOf(): unknown }).valueOf() === (y as { valueOf(): unknown }).valueOf();
}

/** Ordering under the CI collation: strings case-insensitively without trailing spaces, else by value. */
export function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'string' && typeof b === 'string') {
    const x = a.replace(/ +$/, '').toUpperCase();
    const y = b.replace(/ +$/, '').toUpperCase();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = (a as { valueOf(): number }).valueOf();
  const y = (b as { valueOf(): number }).valueOf();
  return x < y ? -1 : x > y ? 1 : 0;
}

let registered = false;

/** Registers the T-SQL functions alasql lacks or gets wrong (clock, NULL handling, catalog lookups). */
export function registerFunctions(): void {
  if (registered) return;
  registered = true;
  (alasql as unknown as { utils: { deepEqual: typeof labEquals } }).utils.deepEqual = labEquals;
  const fn = alasql.fn as Record<string, (...args: unknown[]) => unknown>;
  fn.GETDATE = nowDate;
  fn.GETUTCDATE = nowDate;
  fn.SYSDATETIME = nowDate;
  fn.SYSUTCDATETIME = nowDate;
  fn.CURRENT_TIMESTAMP = nowDate;
  fn.ISNULL = (a, b) => (a === null || a === undefined ? b : a);
  fn.NULLIF = (a, b) => (a === b || (a instanceof Date && b instanceof Date && a.getTime() === b.getTime()) ? null : a);
  fn.QUOTENAME = (s, q) => {
    if (s === null || s === undefined) return null;
    const quote = typeof q === 'string' ? q : '[';
    const close = quote === '[' ? ']' : quote;
    return quote + String(s).split(close).join(close + close) + close;
  };
  fn.DB_NAME = (id) => {
    const { inst, session } = need();
    if (id === undefined || id === null) return session.database;
    return inst.databases.find((d) => d.databaseId === Number(id))?.name ?? null;
  };
  fn.DB_ID = (name) => {
    const { inst, session } = need();
    const n = (name === undefined ? session.database : String(name)).toLowerCase();
    return inst.databases.find((d) => d.name.toLowerCase() === n)?.databaseId ?? null;
  };
  fn.SERVERPROPERTY = serverProperty;
  // Temporary tables by name ('tempdb..#t'); catalog objects the lab serves get a stable negative id, as system objects have.
  fn.OBJECT_ID = (name) => {
    if (name === null || name === undefined) return null;
    const n = String(name);
    const temp = findTemp(need().session, n);
    if (temp) return temp.objectId;
    if (n.includes('#')) return null;
    const key = n.toLowerCase().replace(/^(master|msdb)\.(sys|dbo)?\./, (_m, db: string, schema: string | undefined) => (db === 'msdb' ? 'msdb.dbo.' : `${schema ?? 'dbo'}.`));
    const index = [...VIEWS.keys()].indexOf(key);
    return index < 0 ? null : -100 - index;
  };
  fn.CERT_ID = (name) => need().inst.certificates.find((c) => c.name.toLowerCase() === String(name).toLowerCase())?.certificateId ?? null;
  fn.CERTENCODED = (id) => {
    const key = need().inst.certificates.find((c) => c.certificateId === Number(id))?.publicKey;
    return key ? toLabBinary(key) : null;
  };
  // Targets of the SELECT rewriter (rewrite-select.ts): SQL Server's conversion and date rules.
  fn.LAB_CAST = (v, spec) => convertValue(v, String(spec));
  fn.LAB_CONVERT = (spec, v, style) => convertValue(v, String(spec), style === null || style === undefined ? null : Number(style));
  fn.LAB_DATEDIFF = (part, a, b) => dateDiff(String(part), a, b);
  fn.LAB_DATEADD = (part, n, d) => dateAdd(String(part), n, d);
  fn.LAB_DATEPART = (part, d) => datePart(String(part), d);
  fn.DATALENGTH = (v) => (v === null || v === undefined ? null : v instanceof Uint8Array ? v.byteLength : typeof v === 'string' ? v.length * 2 : 8);
  fn.LEN = (v) => (v === null || v === undefined ? null : String(v).replace(/ +$/, '').length);
  fn.SUSER_SNAME = () => need().session.login;
  fn.SUSER_NAME = () => need().session.login;
  fn.HOST_NAME = () => need().session.hostName;
  fn.APP_NAME = () => need().session.appName;
  fn.LAB_SERVERNAME = () => need().inst.name;
  fn.LAB_VERSION = () => need().inst.versionText;
  fn.LAB_SPID = () => need().session.spid;
  // Division (rewrite-division.ts): integer division of integers, and Msg 8134 on a zero divisor.
  const divide = (a: unknown, b: unknown, integers: boolean): unknown => {
    if (a === null || a === undefined || b === null || b === undefined) return null;
    const x = Number(a);
    const y = Number(b);
    if (y === 0) throw new SqlServerError(8134, 'Divide by zero error encountered.', 16);
    return integers && Number.isInteger(x) && Number.isInteger(y) ? Math.trunc(x / y) : x / y;
  };
  fn.LAB_DIV = (a, b) => divide(a, b, true);
  fn.LAB_FDIV = (a, b) => divide(a, b, false);
  fn.LAB_LEFT = (v, n) => (v === null || v === undefined || n === null ? null : String(v).slice(0, Math.max(0, Number(n))));
  fn.LAB_RIGHT = (v, n) => (v === null || v === undefined || n === null ? null : Number(n) <= 0 ? '' : String(v).slice(-Number(n)));
  fn.CHARINDEX = (find, v, start) => {
    if (find === null || v === null || find === undefined || v === undefined) return null;
    const from = Math.max(1, Number(start ?? 1)) - 1;
    return String(v).toUpperCase().indexOf(String(find).toUpperCase(), from) + 1;
  };
  fn.STUFF = (v, start, len, ins) => {
    if (v === null || v === undefined || start === null || len === null) return null;
    const s = String(v);
    const at = Number(start) - 1;
    if (at < 0 || at >= s.length || Number(len) < 0) return null;
    return s.slice(0, at) + (ins === null || ins === undefined ? '' : String(ins)) + s.slice(at + Number(len));
  };
  // MIN/MAX: NULLs ignored, strings ordered as the CI collation orders them (alasql compares numbers only).
  const aggr = (alasql as unknown as { aggr: Record<string, (v: unknown, acc: unknown, stage: number) => unknown> }).aggr;
  const extreme = (sign: 1 | -1) => (v: unknown, acc: unknown, stage: number): unknown => {
    if (stage === 3) return acc ?? null;
    if (v === null || v === undefined) return stage === 1 ? null : acc;
    if (stage === 1 || acc === null || acc === undefined) return v;
    return sign * compareValues(v, acc) > 0 ? v : acc;
  };
  aggr.LAB_MAX = extreme(1);
  aggr.LAB_MIN = extreme(-1);
  fn.LAB_TRANCOUNT = () => (need().session.state.get('trancount') as number | undefined) ?? 0;
  // TRY…CATCH: the error being handled (run-batch.ts), NULL outside a CATCH block.
  const caught = (): { err: { number: number; severity: number; state: number; message: string }; line: number } | undefined =>
    need().session.state.get('caughtError') as never;
  fn.ERROR_NUMBER = () => caught()?.err.number ?? null;
  fn.ERROR_SEVERITY = () => caught()?.err.severity ?? null;
  fn.ERROR_STATE = () => caught()?.err.state ?? null;
  fn.ERROR_MESSAGE = () => caught()?.err.message ?? null;
  fn.ERROR_LINE = () => caught()?.line ?? null;
  fn.ERROR_PROCEDURE = () => null;
}
