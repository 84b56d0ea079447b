/**
 * Rules that need the whole document: references between steps, targets and parameters, the
 * shape of each step body, the safety rules, and the SQL templates. Runs after the schema has
 * passed, collects every problem, and points each at the offending node.
 */
import { firstChangingStatement } from './read-only-sql.js';
import type { Diagnostic, ErrorCode, SourceFile, SourceRange } from '../errors.js';
import type { Parameter, Runbook, Step } from './schema.js';
import { STEP_KINDS } from './schema.js';
import { identifierProblem, parseSqlTemplate } from './sql-template.js';
import { didYouMean } from './suggest.js';
import type { NodePath, PositionIndex } from './types.js';

export interface CheckContext {
  source: SourceFile;
  positions: PositionIndex;
}

type QueryLike = { on: string | string[]; sql?: string; bind?: Record<string, string>; azure?: unknown };

/** Fields that only make sense on an action: they guard or prove a change. */
const ACTION_ONLY = ['confirm', 'onSkip', 'recheck', 'requires', 'verify'] as const;

/**
 * Checks a schema-valid runbook as a whole. Returns diagnostics (possibly warnings); never throws.
 *
 * @example
 * const problems = checkDocument(runbook, { source, positions });
 * problems.filter((d) => d.code === 'UNKNOWN_STEP');
 */
export function checkDocument(runbook: Runbook, ctx: CheckContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report = (code: ErrorCode, message: string, path: NodePath, range?: SourceRange) =>
    out.push({ code, message, severity: 'error', source: ctx.source, range: range ?? ctx.positions.rangeOf(path), path: [...path] });
  const atKey = (path: NodePath) => ctx.positions.keyRangeOf(path);

  const params = runbook.parameters;
  const paramNames = Object.keys(params);
  const targets = new Set(runbook.targets);
  const stepById = new Map<string, Step>();

  runbook.targets.forEach((t, i) => {
    if (runbook.targets.indexOf(t) !== i) report('BAD_VALUE', `target role "${t}" is listed twice`, ['targets', i]);
  });

  // A map of first occurrences keeps this linear: 10k-step runbooks must load in well under a second.
  const firstIndex = new Map<string, number>();
  runbook.steps.forEach((step, i) => {
    const first = firstIndex.get(step.id) ?? i;
    if (!firstIndex.has(step.id)) firstIndex.set(step.id, i);
    if (first !== i) {
      report('DUPLICATE_STEP_ID', `step id "${step.id}" is already used by step ${first + 1} ("${runbook.steps[first]!.title}")`, ['steps', i, 'id']);
    } else stepById.set(step.id, step);
  });
  const stepIds = [...stepById.keys()];

  const stepRef = (id: string, path: NodePath, field: string, from: Step) => {
    if (!stepById.has(id)) report('UNKNOWN_STEP', `${field} of step "${from.id}" names "${id}", which is not a step of this runbook${didYouMean(id, stepIds)}`, path);
  };
  // `range` may be a thunk: positions are built lazily (load-runbook.ts), only when something is wrong.
  const paramRef = (name: string, path: NodePath, what: string, range?: SourceRange | (() => SourceRange)) => {
    if (!Object.prototype.hasOwnProperty.call(params, name)) {
      report('UNKNOWN_PARAM', `${what} names "${name}", which is not a parameter of this runbook${didYouMean(name, paramNames)}`, path, typeof range === 'function' ? range() : range);
      return false;
    }
    return true;
  };

  checkParameters(params, report);
  if (runbook.metadata.lock !== undefined) paramRef(runbook.metadata.lock, ['metadata', 'lock'], 'metadata.lock');

  runbook.steps.forEach((step, i) => {
    const base = ['steps', i] as const;
    const kinds = STEP_KINDS.filter((k) => step[k] !== undefined);
    if (kinds.length === 0) {
      report('BAD_STEP_BODY', `step "${step.id}" has no body; give it exactly one of ${STEP_KINDS.join(', ')}`, base);
    } else if (kinds.length > 1) {
      for (const extra of kinds.slice(1)) {
        report('BAD_STEP_BODY', `step "${step.id}" has both ${kinds[0]} and ${extra}; a step does exactly one thing, split it into two steps`, [...base, extra], atKey([...base, extra]));
      }
    }
    const kind = kinds[0];

    if (step.action && step.impact === undefined) {
      report('BAD_STEP_BODY', `action step "${step.id}" needs "impact: change" or "impact: destructive"`, [...base, 'action'], atKey([...base, 'action']));
    }
    if (!step.action && step.impact !== undefined) {
      report('BAD_STEP_BODY', `"impact" belongs only on action steps; step "${step.id}" is a ${kind ?? 'step without a body'}`, [...base, 'impact'], atKey([...base, 'impact']));
    }
    if (!step.action) {
      for (const f of ACTION_ONLY) {
        if (step[f] !== undefined) report('BAD_STEP_BODY', `"${f}" belongs only on action steps; step "${step.id}" is a ${kind ?? 'step without a body'}`, [...base, f], atKey([...base, f]));
      }
    }
    if (step.end) {
      for (const f of ['next', 'onFail', 'retry'] as const) {
        if (step[f] !== undefined) report('BAD_STEP_BODY', `end step "${step.id}" finishes the run, so "${f}" has no meaning`, [...base, f], atKey([...base, f]));
      }
    }
    if (step.decide && step.next !== undefined) {
      report('BAD_STEP_BODY', `decide step "${step.id}" goes where the chosen choice says; remove "next"`, [...base, 'next'], atKey([...base, 'next']));
    }

    if (step.action) {
      if (!step.verify) {
        report('CHANGE_WITHOUT_VERIFY', `action step "${step.id}" has no "verify": every change needs a postcondition that proves it happened (and settles it on resume)`, [...base, 'action'], atKey([...base, 'action']));
      }
      if (step.impact === 'destructive') {
        if (!step.confirm) {
          report('DESTRUCTIVE_WITHOUT_CONFIRM', `destructive step "${step.id}" needs "confirm" with "typeToConfirm"`, [...base, 'impact']);
        } else if (step.confirm.typeToConfirm === undefined) {
          report('DESTRUCTIVE_WITHOUT_CONFIRM', `destructive step "${step.id}" must make the operator type a parameter's value: add "typeToConfirm"`, [...base, 'confirm'], atKey([...base, 'confirm']));
        }
      }
    }
    if (step.confirm?.typeToConfirm !== undefined) {
      const name = step.confirm.typeToConfirm;
      const path = [...base, 'confirm', 'typeToConfirm'];
      if (paramRef(name, path, `confirm.typeToConfirm of step "${step.id}"`)) {
        const type = params[name]!.type;
        if (type === 'bool' || type === 'int' || type === 'duration') {
          report('BAD_CONFIRM', `typeToConfirm of step "${step.id}" names "${name}", a ${type} parameter; name one the operator recognises, such as the link or group name`, path);
        }
      }
    }
    step.confirm?.evidence.forEach((id, k) => stepRef(id, [...base, 'confirm', 'evidence', k], 'confirm.evidence', step));
    step.recheck?.forEach((id, k) => {
      const path = [...base, 'recheck', k];
      stepRef(id, path, 'recheck', step);
      const target = stepById.get(id);
      if (target && !target.check) report('BAD_VALUE', `recheck of step "${step.id}" names "${id}", which is not a check step; only checks can be re-run before an action`, path);
    });
    if (step.next !== undefined) stepRef(step.next, [...base, 'next'], 'next', step);
    if (step.onFail !== undefined) stepRef(step.onFail, [...base, 'onFail'], 'onFail', step);
    if (step.onSkip !== undefined) stepRef(step.onSkip, [...base, 'onSkip'], 'onSkip', step);
    step.decide?.choices.forEach((c, k) => stepRef(c.next, [...base, 'decide', 'choices', k, 'next'], `choice "${c.label}"`, step));

    const queries: Array<[NodePath, QueryLike | undefined]> = [
      [[...base, 'check'], step.check],
      [[...base, 'action'], step.action],
      [[...base, 'wait'], step.wait],
      [[...base, 'verify'], step.verify],
    ];
    for (const [path, q] of queries) if (q) checkQuery(q, path, step);
  });

  function checkQuery(q: QueryLike, path: NodePath, step: Step) {
    const what = `${String(path[path.length - 1])} of step "${step.id}"`;
    const roles = typeof q.on === 'string' ? [q.on] : q.on;
    roles.forEach((role, k) => {
      if (!targets.has(role)) {
        const rolePath = typeof q.on === 'string' ? [...path, 'on'] : [...path, 'on', k];
        report('UNKNOWN_TARGET', `${what} runs on "${role}", which is not listed under targets (${runbook.targets.join(', ')})${didYouMean(role, runbook.targets)}`, rolePath);
      }
    });
    if (q.sql !== undefined && q.azure !== undefined) {
      report('BAD_STEP_BODY', `${what} has both "sql" and "azure"; a query is one or the other`, [...path, 'azure'], atKey([...path, 'azure']));
    } else if (q.sql === undefined && q.azure === undefined) {
      report('BAD_STEP_BODY', `${what} needs "sql" or "azure"`, path, atKey(path));
    }
    if (q.azure !== undefined) {
      if (roles.length !== 1) report('BAD_STEP_BODY', `${what} is an Azure call, which runs on exactly one target, not ${roles.length}`, [...path, 'on']);
      const link = (q.azure as { link?: string }).link;
      if (link === undefined && !Object.prototype.hasOwnProperty.call(params, 'link')) {
        report('UNKNOWN_PARAM', `${what} names no "link" and the runbook has no "link" parameter to default to`, [...path, 'azure'], atKey([...path, 'azure']));
      }
      if (q.bind !== undefined) report('BAD_STEP_BODY', `"bind" binds SQL parameters; ${what} is an Azure call (use { cel: … } in its body)`, [...path, 'bind'], atKey([...path, 'bind']));
    }
    if (q.sql !== undefined) checkSql(q.sql, q.bind ?? {}, [...path, 'sql'], what);
    // Only an action changes anything: it alone passes a confirmation gate and the safety proof.
    if (path[path.length - 1] !== 'action') {
      const op = (q.azure as { operation?: string } | undefined)?.operation;
      if (op !== undefined && op !== 'get') {
        report('CHANGE_OUTSIDE_ACTION', `${what} calls Azure "${op}"; only an action step (with impact and confirm) may change the link — a ${String(path[path.length - 1])} may only "get"`, [...path, 'azure', 'operation']);
      }
      const change = q.sql === undefined ? undefined : firstChangingStatement(q.sql);
      if (change) {
        report('CHANGE_OUTSIDE_ACTION', `${what} sends ${change.verb}, which changes state; it runs without confirmation (also in plan --live), so move it to an action step`, [...path, 'sql'], ctx.positions.rangeInScalar([...path, 'sql'], change.offset, change.verb.length));
      }
    }
  }

  function checkSql(sql: string, bind: Record<string, string>, path: NodePath, what: string) {
    const t = parseSqlTemplate(sql);
    const at = (offset: number, length: number) => ctx.positions.rangeInScalar(path, offset, length);
    for (const p of t.problems) report(p.code, `${what}: ${p.message}`, path, at(p.offset, p.length));
    for (const part of t.parts) {
      if (part.kind === 'text') continue;
      const range = () => at(part.offset, part.length);
      if (!paramRef(part.param, path, `{{${part.kind} ${part.param}}} in ${what}`, range)) continue;
      const type = params[part.param]!.type;
      if (part.kind === 'ident' && type !== 'identifier') {
        report('BAD_SQL_TEMPLATE', `{{ident ${part.param}}} in ${what}: "${part.param}" is a ${type} parameter; only identifier parameters can be used as names`, path, range());
      }
    }
    const names = [...paramNames, ...Object.keys(bind)];
    for (const use of t.boundAt) {
      if (Object.prototype.hasOwnProperty.call(params, use.name) || Object.prototype.hasOwnProperty.call(bind, use.name)) continue;
      report('UNKNOWN_PARAM', `@${use.name} in ${what} is neither a parameter of this runbook nor bound under "bind"${didYouMean(use.name, names)}`, path, at(use.offset, use.length));
    }
  }

  return out;
}

function checkParameters(params: Record<string, Parameter>, report: (code: ErrorCode, message: string, path: NodePath) => void) {
  for (const [name, p] of Object.entries(params)) {
    const base = ['parameters', name];
    const bad = (field: string, why: string) => report('BAD_VALUE', `${field} of parameter "${name}" ${why}`, [...base, field]);
    switch (p.type) {
      case 'enum': {
        p.values.forEach((v, k) => {
          if (p.values.indexOf(v) !== k) report('BAD_VALUE', `value "${v}" of parameter "${name}" is listed twice`, [...base, 'values', k]);
        });
        if (p.default !== undefined && !p.values.includes(p.default)) {
          bad('default', `is "${p.default}", which is not one of its values (${p.values.join(', ')})${didYouMean(p.default, p.values)}`);
        }
        break;
      }
      case 'int': {
        if (p.min !== undefined && p.max !== undefined && p.min > p.max) bad('min', `(${p.min}) is greater than its max (${p.max})`);
        if (p.default !== undefined && p.min !== undefined && p.default < p.min) bad('default', `(${p.default}) is below its min (${p.min})`);
        if (p.default !== undefined && p.max !== undefined && p.default > p.max) bad('default', `(${p.default}) is above its max (${p.max})`);
        break;
      }
      case 'identifier': {
        const why = p.default === undefined ? undefined : identifierProblem(p.default);
        if (why) bad('default', `is not a valid SQL Server identifier: ${why}`);
        break;
      }
      case 'string': {
        let re: RegExp | undefined;
        if (p.pattern !== undefined) {
          try {
            re = new RegExp(`^(?:${p.pattern})$`, 'u');
          } catch (err) {
            bad('pattern', `is not a valid regular expression (${err instanceof Error ? err.message : String(err)})`);
          }
        }
        if (p.default !== undefined && re && !re.test(p.default)) bad('default', `does not match its pattern ${p.pattern}`);
        if (p.default !== undefined && p.maxLength !== undefined && p.default.length > p.maxLength) bad('default', `is longer than its maxLength (${p.maxLength})`);
        break;
      }
      default:
        break;
    }
  }
}
