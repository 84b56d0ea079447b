/**
 * Turns zod issues into agmedic diagnostics: a code a script can match, the range of the exact
 * node, and a message a DBA can act on without reading the schema.
 */
import type { z } from 'zod';
import type { Diagnostic, ErrorCode, SourceFile, SourceRange } from '../errors.js';
import { DURATION_PATTERN, ID_PATTERN, PARAM_NAME_PATTERN, RunbookSchema } from './schema.js';
import { didYouMean } from './suggest.js';
import type { NodePath, PositionIndex } from './types.js';

type Issue = z.core.$ZodIssue;
type Path = Array<string | number>;

export interface IssueContext {
  source: SourceFile;
  positions: PositionIndex;
  /** The plain data zod validated (`doc.toJS()`), to name steps and tell "missing" from "wrong". */
  data: unknown;
}

const STEP_REFERENCE_FIELDS = new Set(['next', 'onFail', 'evidence', 'recheck']);

/** The value at `path` in plain data, or undefined. */
export function valueAt(data: unknown, path: NodePath): unknown {
  let v: unknown = data;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

function dotted(path: NodePath): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/**
 * A human name for the node at `path`: `step "demote"`, `"check.on" of step "roles"`,
 * `parameter "link"`, `"metadata.title"`.
 */
export function describePath(path: NodePath, data: unknown): string {
  if (path.length === 0) return 'the runbook';
  let anchor: string | undefined;
  let rest: NodePath = path;
  if (path[0] === 'steps' && typeof path[1] === 'number') {
    const id = valueAt(data, ['steps', path[1], 'id']);
    anchor = typeof id === 'string' && id ? `step "${id}"` : `step ${path[1] + 1}`;
    rest = path.slice(2);
  } else if (path[0] === 'parameters' && path.length >= 2) {
    anchor = `parameter "${String(path[1])}"`;
    rest = path.slice(2);
  }
  if (!anchor) return `"${dotted(path)}"`;
  return rest.length ? `"${dotted(rest)}" of ${anchor}` : anchor;
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `the ${typeof v === 'boolean' ? 'boolean' : typeof v} ${String(v)}`;
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a map',
  record: 'a map',
  null: 'null',
};

function describePattern(pattern: string): { code: ErrorCode | 'ID'; rule: string } {
  if (pattern === String(DURATION_PATTERN)) return { code: 'BAD_DURATION', rule: 'must be a duration such as 250ms, 30s, 5m, 1h30m or 2d' };
  if (pattern === String(ID_PATTERN)) return { code: 'ID', rule: 'must start with a lowercase letter and use only a-z, 0-9, "-" and "_"' };
  if (pattern === String(PARAM_NAME_PATTERN)) return { code: 'BAD_VALUE', rule: 'must start with a lowercase letter and use only letters, digits and "_"' };
  return { code: 'BAD_VALUE', rule: `must match ${pattern}` };
}

/** The zod schema describing the node at `path` (following the data through unions), if any. */
function schemaAt(path: NodePath, data: unknown): unknown {
  // zod 4 exposes every schema's definition as `_zod.def`; walking it keeps one source of truth.
  let s: any = RunbookSchema;
  for (let i = 0; i <= path.length; i++) {
    for (let guard = 0; guard < 20; guard++) {
      const def = s?._zod?.def;
      if (!def) return undefined;
      if (def.innerType) s = def.innerType;
      else if (def.type === 'lazy') s = def.getter();
      else if (def.type === 'pipe') s = def.in;
      else if (def.type === 'union') {
        const here = valueAt(data, path.slice(0, i));
        const disc: string | undefined = def.discriminator;
        const match = def.options.find((o: any) => {
          const shape = o?._zod?.def?.shape;
          if (!shape) return false;
          if (!disc) return true;
          const values: unknown[] = shape[disc]?._zod?.def?.values ?? [];
          return values.includes((here as Record<string, unknown> | undefined)?.[disc]);
        });
        if (!match) return undefined;
        s = match;
      } else break;
    }
    if (i === path.length) return s;
    const def = s._zod.def;
    const seg = path[i]!;
    if (def.type === 'object') s = def.shape[seg];
    else if (def.type === 'array') s = def.element;
    else if (def.type === 'record') s = def.valueType;
    else return undefined;
  }
  return s;
}

/** The field names the schema allows at `path`. */
export function knownKeys(path: NodePath, data: unknown): string[] {
  const s: any = schemaAt(path, data);
  const shape = s?._zod?.def?.shape;
  return shape ? Object.keys(shape) : [];
}

/** Maps every zod issue to one or more diagnostics. */
export function issuesToDiagnostics(issues: readonly Issue[], ctx: IssueContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const push = (code: ErrorCode, message: string, path: NodePath, range: SourceRange) =>
    out.push({ code, message, severity: 'error', source: ctx.source, range, path: [...path] });
  const visit = (issue: Issue, base: Path) => {
    const path: Path = [...base, ...(issue.path as Path)];
    const value = valueAt(ctx.data, path);
    const where = describePath(path, ctx.data);
    const last = path[path.length - 1];
    switch (issue.code) {
      case 'unrecognized_keys': {
        const known = knownKeys(path, ctx.data);
        for (const key of issue.keys) {
          const keyPath = [...path, key];
          const inWhat = path.length ? ` in ${describePath(path, ctx.data)}` : '';
          push('UNKNOWN_FIELD', `unknown field "${key}"${inWhat}${didYouMean(key, known)}`, keyPath, ctx.positions.keyRangeOf(keyPath));
        }
        return;
      }
      case 'invalid_type': {
        const parent = path.slice(0, -1);
        const parentValue = valueAt(ctx.data, parent);
        const absent =
          value === undefined &&
          typeof last === 'string' &&
          parentValue !== null &&
          typeof parentValue === 'object' &&
          !Object.prototype.hasOwnProperty.call(parentValue, last);
        if (path.length === 0 && (value === null || value === undefined)) {
          push('BAD_TYPE', 'the file is empty; a runbook starts with "apiVersion: agmedic/v1"', path, ctx.positions.rangeOf(path));
        } else if (absent) {
          push('MISSING_FIELD', `missing required field "${last}" in ${describePath(parent, ctx.data)}`, path, ctx.positions.rangeOf(parent));
        } else {
          const expected = EXPECTED[issue.expected] ?? issue.expected;
          push('BAD_TYPE', `${where} must be ${expected}, not ${describeValue(value)}`, path, ctx.positions.rangeOf(path));
        }
        return;
      }
      case 'invalid_value': {
        const allowed = issue.values.map((v) => JSON.stringify(v)).join(', ');
        const hint = typeof value === 'string' ? didYouMean(value, issue.values.map(String)) : '';
        const code: ErrorCode = path.length === 1 && last === 'apiVersion' ? 'BAD_API_VERSION' : path.length === 1 && last === 'kind' ? 'BAD_KIND' : 'BAD_VALUE';
        const what = issue.values.length === 1 ? `must be ${allowed}` : `must be one of ${allowed}`;
        push(code, `${where} ${what}, not ${describeValue(value)}${hint}`, path, ctx.positions.rangeOf(path));
        return;
      }
      case 'invalid_format': {
        const { code, rule } = issue.pattern ? describePattern(issue.pattern) : { code: 'BAD_VALUE' as const, rule: `must be a valid ${issue.format}` };
        let finalCode: ErrorCode = code === 'ID' ? 'BAD_VALUE' : code;
        if (code === 'ID') {
          const isStepId = (path[0] === 'steps' && path.length === 3 && last === 'id') || path.some((s) => typeof s === 'string' && STEP_REFERENCE_FIELDS.has(s)) || (last === 'next' && path.includes('choices'));
          if (isStepId) finalCode = 'BAD_STEP_ID';
        }
        push(finalCode, `${where} ${rule}, not ${describeValue(value)}`, path, ctx.positions.rangeOf(path));
        return;
      }
      case 'too_small':
      case 'too_big': {
        const small = issue.code === 'too_small';
        const limit = small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum;
        let rule: string;
        if (issue.origin === 'string') rule = small && Number(limit) === 1 ? 'must not be empty' : `must have ${small ? 'at least' : 'at most'} ${limit} characters`;
        else if (issue.origin === 'array') rule = `must list ${small ? 'at least' : 'at most'} ${limit} item${Number(limit) === 1 ? '' : 's'}`;
        else rule = `must be ${small ? 'at least' : 'at most'} ${limit}`;
        push('BAD_VALUE', `${where} ${rule}`, path, ctx.positions.rangeOf(path));
        return;
      }
      case 'invalid_key': {
        const key = String(last);
        const rules = issue.issues.map((i) => (i.code === 'invalid_format' && i.pattern ? describePattern(i.pattern).rule : i.message));
        const parentWhere = describePath(path.slice(0, -1), ctx.data);
        push('BAD_VALUE', `the name "${key}" in ${parentWhere} ${rules.join('; ')}`, path, ctx.positions.keyRangeOf(path));
        return;
      }
      case 'invalid_union': {
        const discriminator = (issue as { discriminator?: string }).discriminator;
        if (discriminator) {
          const disc = discriminator;
          const discPath = path[path.length - 1] === disc ? path : [...path, disc];
          const discValue = valueAt(ctx.data, discPath);
          const options = ((issue as { options?: unknown[] }).options ?? []).map(String);
          const owner = describePath(discPath.slice(0, -1), ctx.data);
          if (discValue === undefined) {
            push('MISSING_FIELD', `missing required field "${disc}" in ${owner} (one of ${options.join(', ')})`, discPath, ctx.positions.rangeOf(discPath.slice(0, -1)));
          } else {
            const hint = typeof discValue === 'string' ? didYouMean(discValue, options) : '';
            push('BAD_VALUE', `"${disc}" of ${owner} must be one of ${options.join(', ')}, not ${describeValue(discValue)}${hint}`, discPath, ctx.positions.rangeOf(discPath));
          }
          return;
        }
        const branches = (issue as { errors?: Issue[][] }).errors ?? [];
        const depthOf = (b: Issue[]) => Math.max(0, ...b.map((i) => i.path.length));
        const shallow = branches.every((b) => b.length === 1 && b[0]!.code === 'invalid_type' && b[0]!.path.length === 0);
        if (branches.length === 0 || shallow) {
          const expected = branches.map((b) => EXPECTED[(b[0] as { expected?: string }).expected ?? ''] ?? 'something else');
          push('BAD_TYPE', `${where} must be ${[...new Set(expected)].join(' or ')}, not ${describeValue(value)}`, path, ctx.positions.rangeOf(path));
          return;
        }
        // The branch that got furthest into the value is the one the author meant.
        const best = [...branches].sort((a, b) => depthOf(b) - depthOf(a) || a.length - b.length)[0]!;
        for (const sub of best) visit(sub, path);
        return;
      }
      default:
        push('BAD_VALUE', `${where}: ${issue.message}`, path, ctx.positions.rangeOf(path));
    }
  };
  for (const issue of issues) visit(issue, []);
  return out;
}
