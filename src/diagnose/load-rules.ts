/**
 * Diagnose rules are data: YAML files (shipped in runbooks/rules/) whose conditions, evidence and
 * runbook parameters are CEL over the facts. Loading validates everything before any target is
 * contacted: schema, ids, CEL syntax and types, fact names (evaluated against blank facts), and
 * the runbook each rule recommends with its parameters. Problems carry file:line:col.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORE_SCHEMA, load as loadFast } from 'js-yaml';
import { parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { celEnvironmentFor, checkCel } from '../compile/cel.js';
import { evaluatePreparedCel as runCel, prepareCelContext, type PreparedCelContext as CelFacts } from '../compile/cel.js';
import { AgmedicError, type Diagnostic, type ErrorCode, type SourceFile, type SourceRange } from '../errors.js';
import { createPositionIndex } from '../runbook/positions.js';
import { findPackageRoot, readRunbookSource } from '../runbook/read-runbook.js';
import type { PositionIndex } from '../runbook/types.js';
import { listRuleFiles } from './list-rule-files.js';
import { blankArm, shapePairFacts } from './shape-pair-facts.js';
import { blankSide } from './shape-side-facts.js';
import { SEVERITIES, type PairFacts, type Rule, type RuleParam, type RuleText } from './types.js';

export const RULES_KIND = 'DiagnoseRules';
const RULE_ID = /^[a-z][a-z0-9-]*$/;
/** `{{ cel }}` inside titles, explanations and next steps. */
const INTERPOLATION = /\{\{([\s\S]*?)\}\}/g;

const celText = z.string().min(1);
const RuleSchema = z.strictObject({
  id: z.string().regex(RULE_ID, { error: 'a rule id is lower-case letters, digits and -' }),
  title: z.string().min(1),
  severity: z.enum(SEVERITIES),
  when: celText,
  evidence: z.record(z.string().min(1), celText).default({}),
  explanation: z.string().min(1),
  next: z.string().min(1).optional(),
  runbook: z
    .strictObject({
      name: z.string().min(1),
      params: z
        .record(
          z.string().min(1),
          z.union([celText, z.strictObject({ choose: z.array(z.string().min(1)).min(2) }), z.strictObject({ ask: z.string().min(1) })]),
        )
        .default({}),
    })
    .optional(),
  supersedes: z.array(z.string().regex(RULE_ID)).default([]),
  references: z.array(z.string()).default([]),
});
const RulesFileSchema = z.strictObject({
  apiVersion: z.literal('agmedic/v1'),
  kind: z.literal(RULES_KIND),
  rules: z.array(z.unknown()),
});

/** Facts with every key present and nothing known: what load-time evaluation runs against. */
export function blankFacts(): PairFacts {
  return shapePairFacts({ pair: '', link: '', targetsFile: '', sqlserver: blankSide('', false), mi: blankSide('', false), arm: blankArm(false) });
}

interface Ctx {
  source: SourceFile;
  /** Built on first use: a file that validates never pays for the source-range index. */
  readonly positions: PositionIndex;
  diags: Diagnostic[];
}

/** Anchors could hide an alias bomb the fast parser would share rather than refuse; `yaml` counts them. */
const ANCHOR = /(?:^|[\s[{,:-])&[^\s]/m;

/** Plain data from the fast parser, or undefined when the precise path must decide (and report). */
function parseFast(text: string): unknown {
  if (ANCHOR.test(text)) return undefined;
  try {
    const data = loadFast(text, { schema: CORE_SCHEMA });
    return data === null || data === undefined ? undefined : data;
  } catch {
    return undefined;
  }
}

function lazyPositions(text: string, doc?: Document): () => PositionIndex {
  let index: PositionIndex | undefined;
  return () => (index ??= createPositionIndex(doc ?? parseDocument(text, { keepSourceTokens: true }), text));
}

function report(ctx: Ctx, code: ErrorCode, message: string, range: SourceRange): void {
  ctx.diags.push({ code, message, severity: 'error', source: ctx.source, range });
}

const env = celEnvironmentFor({ parameters: {} }, 'runbook');
let blank: CelFacts | undefined;

/** Syntax and type of one CEL expression at `path`; then, against blank facts, unknown fact names. */
function checkExpr(ctx: Ctx, expr: string, path: Array<string | number>, want: 'bool' | undefined, offset = 0, what = 'expression'): boolean {
  const problem = checkCel(expr, env, want);
  if (problem) {
    report(ctx, problem.code, `${what}: ${problem.message}`, ctx.positions.rangeInScalar(path, offset + problem.start, problem.end - problem.start));
    return false;
  }
  try {
    runCel(expr, (blank ??= prepareCelContext({ facts: blankFacts() })));
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    // Only a missing key is a mistake in the rule; index errors etc. depend on real data.
    if (/no such key/i.test(message)) {
      report(ctx, 'UNKNOWN_FACT', `${what}: ${message} (see the facts in agmedic diagnose --json)`, ctx.positions.rangeInScalar(path, offset, expr.length));
      return false;
    }
  }
  return true;
}

function checkText(ctx: Ctx, text: string, path: Array<string | number>): RuleText {
  for (const m of text.matchAll(INTERPOLATION)) checkExpr(ctx, m[1]!, path, undefined, m.index + 2, 'interpolation');
  return { text, path };
}

interface RunbookInfo {
  params: Map<string, { required: boolean; values?: string[] }>;
}

/**
 * The parameters of the runbook a rule recommends. Only its `parameters:` block is read (the
 * runbook's own validation is `agmedic validate`'s job): loading and checking six runbooks in full
 * would cost every diagnose run more than gathering the facts of one link.
 */
function runbookInfo(name: string, runbooksDir: string, cache: Map<string, RunbookInfo | string>): RunbookInfo | string {
  const hit = cache.get(name);
  if (hit !== undefined) return hit;
  let info: RunbookInfo | string;
  try {
    const data = loadFast(readRunbookSource(name, { runbooksDir }).text, { schema: CORE_SCHEMA }) as { parameters?: unknown } | null;
    const declared = data && typeof data.parameters === 'object' && data.parameters !== null ? (data.parameters as Record<string, unknown>) : {};
    const params = new Map<string, { required: boolean; values?: string[] }>();
    for (const [p, raw] of Object.entries(declared)) {
      const d = (typeof raw === 'object' && raw !== null ? raw : {}) as { required?: unknown; default?: unknown; values?: unknown };
      const values = Array.isArray(d.values) ? d.values.map(String) : undefined;
      params.set(p, { required: typeof d.required === 'boolean' ? d.required : d.default === undefined, ...(values ? { values } : {}) });
    }
    info = { params };
  } catch (err) {
    info = err instanceof AgmedicError ? err.message : `runbook "${name}" cannot be read: ${String(err)}`;
  }
  cache.set(name, info);
  return info;
}

function rangeOfKey(ctx: Ctx, path: Array<string | number>): SourceRange {
  return ctx.positions.keyRangeOf(path);
}

/**
 * Parses and validates one rules file. Returns the rules and every diagnostic (no throw).
 *
 * @example
 * const { rules, diagnostics } = parseRules({ name: 'rules.yaml', text }, { runbooksDir });
 */
export function parseRules(source: SourceFile, opts: { runbooksDir: string; runbookCache?: Map<string, RunbookInfo | string> }): { rules: Rule[]; diagnostics: Diagnostic[] } {
  let data = parseFast(source.text);
  let doc: Document | undefined;
  if (data === undefined) {
    doc = parseDocument(source.text, { uniqueKeys: true, prettyErrors: false, keepSourceTokens: true });
  }
  const positions = lazyPositions(source.text, doc);
  const ctx: Ctx = {
    source,
    get positions() {
      return positions();
    },
    diags: [],
  };
  if (doc) {
    for (const e of doc.errors) report(ctx, 'YAML_SYNTAX', e.message.split('\n')[0]!, { start: e.pos[0], end: e.pos[1] });
    if (ctx.diags.length) return { rules: [], diagnostics: ctx.diags };
    data = doc.toJS({ maxAliasCount: 100 });
  }
  const file = RulesFileSchema.safeParse(data);
  if (!file.success) {
    for (const issue of file.error.issues) {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      report(ctx, 'RULE_FILE', `${path.join('.') || '(top level)'}: ${issue.message}`, ctx.positions.rangeOf(path));
    }
    return { rules: [], diagnostics: ctx.diags };
  }
  const cache = opts.runbookCache ?? new Map<string, RunbookInfo | string>();
  const rules: Rule[] = [];
  const seen = new Map<string, number>();
  file.data.rules.forEach((raw, i) => {
    const base: Array<string | number> = ['rules', i];
    const parsed = RuleSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const path = [...base, ...issue.path.filter((p): p is string | number => typeof p !== 'symbol')];
        const message = issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')}` : issue.message;
        report(ctx, 'RULE_FILE', `rule ${i + 1}: ${path.slice(2).join('.') || 'rule'}: ${message}`, ctx.positions.rangeOf(path));
      }
      return;
    }
    const r = parsed.data;
    if (seen.has(r.id)) report(ctx, 'RULE_FILE', `rule id "${r.id}" is used twice`, ctx.positions.rangeOf([...base, 'id']));
    seen.set(r.id, i);
    checkExpr(ctx, r.when, [...base, 'when'], 'bool', 0, `rule ${r.id}: when`);
    const evidence = Object.entries(r.evidence).map(([label, expr]) => {
      checkExpr(ctx, expr, [...base, 'evidence', label], undefined, 0, `rule ${r.id}: evidence "${label}"`);
      return { label, expr, path: [...base, 'evidence', label] };
    });
    const rule: Rule = {
      id: r.id,
      severity: r.severity,
      title: checkText(ctx, r.title, [...base, 'title']),
      when: { expr: r.when, path: [...base, 'when'] },
      evidence,
      explanation: checkText(ctx, r.explanation, [...base, 'explanation']),
      supersedes: r.supersedes,
      references: r.references,
      source,
      locate: (rel = []) => ctx.positions.rangeOf([...base, ...rel]),
    };
    if (r.next !== undefined) rule.next = checkText(ctx, r.next, [...base, 'next']);
    if (r.runbook) {
      const info = runbookInfo(r.runbook.name, opts.runbooksDir, cache);
      if (typeof info === 'string') report(ctx, 'RUNBOOK_NOT_FOUND', `rule ${r.id}: ${info}`, ctx.positions.rangeOf([...base, 'runbook', 'name']));
      const params: Record<string, RuleParam> = {};
      for (const [name, value] of Object.entries(r.runbook.params)) {
        const path = [...base, 'runbook', 'params', name];
        const declared = typeof info === 'string' ? undefined : info.params.get(name);
        if (typeof info !== 'string' && !declared) {
          report(ctx, 'UNKNOWN_PARAM', `rule ${r.id}: runbook ${r.runbook.name} has no parameter "${name}" (it has: ${[...info.params.keys()].join(', ')})`, rangeOfKey(ctx, path));
        }
        if (typeof value === 'string') {
          checkExpr(ctx, value, path, undefined, 0, `rule ${r.id}: parameter "${name}"`);
          params[name] = { kind: 'cel', expr: value, path };
        } else if ('ask' in value) {
          params[name] = { kind: 'ask', hint: value.ask };
        } else {
          const bad = declared?.values ? value.choose.filter((v) => !declared.values!.includes(v)) : [];
          if (bad.length) report(ctx, 'BAD_PARAM_VALUE', `rule ${r.id}: "${bad.join('", "')}" is not a value of ${name} (${declared!.values!.join(', ')})`, ctx.positions.rangeOf([...path, 'choose']));
          params[name] = { kind: 'choose', values: value.choose };
        }
      }
      if (typeof info !== 'string') {
        for (const [name, p] of info.params) {
          if (p.required && !(name in params)) {
            report(ctx, 'MISSING_PARAM', `rule ${r.id}: runbook ${r.runbook.name} needs parameter "${name}"`, ctx.positions.rangeOf([...base, 'runbook', 'params']));
          }
        }
      }
      rule.runbook = { name: r.runbook.name, params };
    }
    rules.push(rule);
  });
  return { rules, diagnostics: ctx.diags };
}

/**
 * Checks across a whole rule set (several files): every superseded id names a rule.
 *
 * @example
 * const diags = validateRuleSet([...parseRules(a, o).rules, ...parseRules(b, o).rules]);
 */
export function validateRuleSet(rules: readonly Rule[]): Diagnostic[] {
  const ids = new Set(rules.map((r) => r.id));
  const diags: Diagnostic[] = [];
  for (const r of rules) {
    r.supersedes.forEach((id, k) => {
      if (!ids.has(id)) diags.push({ code: 'RULE_FILE', severity: 'error', message: `rule ${r.id}: supersedes unknown rule "${id}"`, source: r.source, range: r.locate(['supersedes', k]) });
    });
  }
  return diags;
}

/** runbooks/rules/ of the installed package. */
export function shippedRulesDir(): string {
  return join(findPackageRoot(import.meta.url), 'runbooks', 'rules');
}

/**
 * Loads rule files (default: every .yaml in the shipped runbooks/rules/), checking ids are unique
 * across files. Throws one AgmedicError carrying every diagnostic (code of the first) when any is wrong.
 *
 * @example
 * const rules = loadRules({ runbooksDir: shippedRunbooksDir() });
 */
export function loadRules(opts: { runbooksDir: string; files?: string[] }): Rule[] {
  const files = opts.files ?? listRuleFiles(shippedRulesDir());
  const diags: Diagnostic[] = [];
  const rules: Rule[] = [];
  const cache = new Map<string, RunbookInfo | string>();
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new AgmedicError('FILE_READ', `cannot read rules file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    const out = parseRules({ name: file, text }, { runbooksDir: opts.runbooksDir, runbookCache: cache });
    diags.push(...out.diagnostics);
    for (const r of out.rules) {
      const dup = rules.find((x) => x.id === r.id);
      if (dup) diags.push({ code: 'RULE_FILE', severity: 'error', message: `rule id "${r.id}" is also defined in ${dup.source.name}`, source: r.source, range: r.locate(['id']) });
      rules.push(r);
    }
  }
  diags.push(...validateRuleSet(rules));
  if (diags.length) throw AgmedicError.fromDiagnostics(diags, `${diags.length} problem${diags.length === 1 ? '' : 's'} in the diagnose rules`);
  return rules;
}

export { listRuleFiles };
