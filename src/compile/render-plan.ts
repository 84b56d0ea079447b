/**
 * Plans and graphs for people (text, mermaid, dot) and machines (JSON). Colour only when asked,
 * so piped output and NO_COLOR never carry escape codes.
 */
import type { CompileResult, Plan, PlanQuery, PlanStep } from './types.js';

const ANSI = { red: '\u001b[31m', yellow: '\u001b[33m', bold: '\u001b[1m', dim: '\u001b[2m', reset: '\u001b[0m' };

function painter(color: boolean) {
  const wrap = (code: string) => (s: string) => (color ? `${code}${s}${ANSI.reset}` : s);
  return { red: wrap(ANSI.red), yellow: wrap(ANSI.yellow), bold: wrap(ANSI.bold), dim: wrap(ANSI.dim) };
}

function indent(text: string, by: string): string {
  return text.split('\n').map((l) => by + l).join('\n');
}

function queryLines(q: PlanQuery, paint: ReturnType<typeof painter>, highlight: (s: string) => string): string[] {
  const out = [`${q.phase} on ${q.on.join(', ')}:`];
  if (q.sql !== undefined) out.push(indent(highlight(q.sql), '    '));
  for (const b of q.bindings ?? []) out.push(`    @${b.name} = ${JSON.stringify(b.value)}${b.from === 'bind' ? paint.dim(' (bind)') : ''}`);
  if (q.azure) out.push(`    azure ${q.azure.operation} link ${JSON.stringify(q.azure.link)}${q.azure.body !== undefined ? ` body ${JSON.stringify(q.azure.body)}` : ''}`);
  if (q.expect !== undefined) out.push(`    expect: ${q.expect}`);
  return out;
}

function stepText(s: PlanStep, paint: ReturnType<typeof painter>): string {
  const marker = s.impact === 'destructive' ? paint.red(' [DESTRUCTIVE]') : s.impact === 'change' ? paint.yellow(' [CHANGE]') : '';
  const lines = [`${String(s.number).padStart(3)}. ${s.id} (${s.kind}) — ${s.title}${marker}`];
  const body: string[] = [];
  if (s.when) body.push(`when: ${s.when}`);
  if (s.confirm) {
    const c = s.confirm;
    const parts = ['confirm before executing'];
    if (c.typeToConfirm) parts.push(`operator types ${c.typeToConfirm.param} = ${JSON.stringify(c.typeToConfirm.expected)}`);
    if (c.evidence.length) parts.push(`evidence: ${c.evidence.join(', ')}`);
    body.push(paint.bold(`GATE: ${parts.join('; ')}`));
    if (c.message) body.push(`  asks: ${c.message}`);
    for (const [k, v] of Object.entries(c.show ?? {})) body.push(`  shows ${k}: ${v}`);
  }
  if (s.recheck) body.push(`recheck: ${s.recheck.join(', ')}`);
  if (s.requires) body.push(`requires: ${s.requires}`);
  const highlight = s.impact === 'destructive' ? paint.red : s.impact === 'change' ? paint.yellow : (x: string) => x;
  for (const q of s.queries) body.push(...queryLines(q, paint, q.phase === 'execute' ? highlight : (x) => x));
  if (s.wait) body.push(`poll every ${s.wait.interval}, at most ${s.wait.timeout}`);
  if (s.decide) {
    body.push(`asks: ${s.decide.prompt}`);
    s.decide.choices.forEach((c, k) => body.push(`  ${k + 1}) ${c.label} → ${c.goto}${c.when ? `  (policy: ${c.when})` : ''}`));
  }
  if (s.end) body.push(`ends: ${s.end.outcome} — ${s.end.message}`);
  if (s.retry) body.push(`retry: up to ${s.retry.max} more time${s.retry.max === 1 ? '' : 's'}, ${s.retry.delay} apart`);
  if (s.timeout) body.push(`timeout per query: ${s.timeout}`);
  const branches = s.branches.filter((b) => b.on !== 'choice').map((b) => `${b.on} → ${b.goto}`);
  if (branches.length) body.push(`then: ${branches.join('; ')}`);
  return [...lines, ...body.map((l) => indent(l, '      '))].join('\n');
}

/** Mermaid `stateDiagram-v2` ids must be plain words; escaping keeps `a-b` and `a_b` apart. */
const ESC: Record<string, string> = { _: '_u', '-': '_d', ':': '_c', '@': '_a' };
const mid = (id: string) => id.replace(/[_\-:@]/g, (c) => ESC[c]!);

function planMermaid(plan: Plan): string {
  const lines = ['stateDiagram-v2'];
  for (const s of plan.steps) lines.push(`  state "${s.number}. ${s.id}${s.impact === 'destructive' ? ' (destructive)' : ''}" as ${mid(s.id)}`);
  if (plan.steps[0]) lines.push(`  [*] --> ${mid(plan.steps[0].id)}`);
  const to = (goto: string) => (goto.startsWith('@') ? mid(`outcome${goto}`) : mid(goto));
  const finals = new Set<string>();
  for (const s of plan.steps) {
    for (const b of s.branches) {
      lines.push(`  ${mid(s.id)} --> ${to(b.goto)} : ${b.label ?? b.on}`);
      if (b.goto.startsWith('@')) finals.add(b.goto);
    }
    if (s.end) lines.push(`  ${mid(s.id)} --> [*] : ${s.end.outcome}`);
  }
  for (const f of finals) lines.push(`  ${to(f)} --> [*] : ${f.slice(1)}`);
  return lines.join('\n');
}

/** Description, the caveats a DBA must read (metadata.notes) and the one-line summary. */
function planHeader(plan: Pick<Plan, 'runbook' | 'summary'>, paint: ReturnType<typeof painter>): string[] {
  const out: string[] = [];
  if (plan.runbook.description) out.push(...plan.runbook.description.trim().split('\n').map((l) => `  ${l}`));
  for (const note of plan.runbook.notes ?? []) out.push(paint.yellow(`  NOTE: ${note}`));
  if (plan.summary) out.push(`steps: ${plan.summary}`);
  return out;
}

/**
 * The header of a plan, also printed at the top of a guided run.
 *
 * @example
 * renderPlanHeader(plan, { color: false }) // 'Plan for …\n  NOTE: …\nsteps: 5 checks, …'
 */
export function renderPlanHeader(plan: Pick<Plan, 'runbook' | 'summary'>, opts: { color: boolean }): string {
  const paint = painter(opts.color);
  return [paint.bold(`${plan.runbook.name}: ${plan.runbook.title}`), ...planHeader(plan, paint)].join('\n');
}

/**
 * Renders a plan. JSON is 2-space indented with keys in a fixed order (the order `buildPlan`
 * writes them), so a saved plan diffs cleanly.
 *
 * @example
 * renderPlan(plan, 'text', { color: process.stdout.isTTY && !process.env.NO_COLOR });
 * renderPlan(plan, 'json', { color: false }); // '{\n  "planVersion": 1, …'
 */
export function renderPlan(plan: Plan, format: 'text' | 'json' | 'mermaid', opts: { color: boolean }): string {
  if (format === 'json') return JSON.stringify(plan, null, 2);
  if (format === 'mermaid') return planMermaid(plan);
  const paint = painter(opts.color);
  const params = Object.entries(plan.parameters).map(([k, v]) => `  ${k} = ${JSON.stringify(v)}`);
  const out = [
    paint.bold(`Plan for ${plan.runbook.name}: ${plan.runbook.title}`),
    ...planHeader(plan, paint),
    `runbook sha256 ${plan.runbook.sha256}`,
    `targets: ${plan.targets.join(', ')}`,
    ...(params.length ? ['parameters:', ...params] : []),
    '',
    ...plan.steps.map((s) => stepText(s, paint)),
    '',
    'possible outcomes:',
    ...plan.outcomes.map((o) => `  ${o.outcome}${o.step ? ` (step ${o.step})` : ''}: ${o.message}`),
  ];
  return out.join('\n');
}

/**
 * The compiled statechart as a picture: every state and transition of the StepGraph.
 *
 * @example
 * renderGraph(compileRunbook(runbook), 'dot') // 'digraph runbook {\n …'
 */
export function renderGraph(compiled: CompileResult, format: 'mermaid' | 'dot'): string {
  const { graph } = compiled;
  const edges = graph.edges.filter((e) => e.kind !== 'abort');
  const label = (e: (typeof edges)[number]) => `${e.kind}${e.bounded ? ' (bounded)' : ''}`;
  if (format === 'dot') {
    const q = (s: string) => JSON.stringify(s);
    const lines = ['digraph runbook {', '  rankdir=TB;', `  start [shape=point];`, `  start -> ${q(graph.entry)};`];
    for (const n of graph.nodes) {
      const attrs = [n.final ? 'shape=doublecircle' : 'shape=box', n.impact === 'destructive' && n.phase === 'execute' ? 'color=red' : '', n.phase === 'confirm' ? 'style=bold' : ''].filter(Boolean);
      lines.push(`  ${q(n.id)} [${attrs.join(', ')}];`);
    }
    for (const e of edges) lines.push(`  ${q(e.from)} -> ${q(e.to)} [label=${q(label(e))}];`);
    lines.push('}');
    return lines.join('\n');
  }
  const lines = ['stateDiagram-v2', `  [*] --> ${mid(graph.entry)}`];
  for (const n of graph.nodes) lines.push(`  state "${n.id}" as ${mid(n.id)}`);
  for (const e of edges) lines.push(`  ${mid(e.from)} --> ${mid(e.to)} : ${label(e)}`);
  for (const n of graph.nodes) if (n.final) lines.push(`  ${mid(n.id)} --> [*]`);
  return lines.join('\n');
}
