/**
 * `agmedic describe RUNBOOK`: what a DBA reads before choosing a runbook — its metadata, the
 * caveats (notes), its parameters and what it does, counted. Loads no driver.
 */
import { summarizeSteps } from '../../compile/index.js';
import type { Parameter } from '../../runbook/schema.js';
import { EXIT } from '../exit-codes.js';
import { loadUsableRunbook } from '../load-and-compile.js';
import type { Output } from '../output.js';

function paramLine(name: string, p: Parameter): string {
  const type = p.type === 'enum' ? `one of ${p.values.join(' | ')}` : p.type;
  const required = p.default === undefined && p.required !== false ? 'required' : `default ${JSON.stringify(p.default ?? null)}`;
  return `  ${name} (${type}; ${required}): ${p.description}`;
}

export async function describeCommand(ref: string, opts: { json?: boolean }, output: Output): Promise<number> {
  const { runbook } = loadUsableRunbook(ref);
  const m = runbook.metadata;
  const outcomes = [...new Set(runbook.steps.flatMap((s) => (s.end ? [s.end.outcome] : [])))];
  const summary = summarizeSteps(runbook);
  if (opts.json) {
    output.out(JSON.stringify({ name: m.name, title: m.title, description: m.description, notes: m.notes, references: m.references, targets: runbook.targets, parameters: runbook.parameters, summary, outcomes }, null, 2));
    return EXIT.ok;
  }
  const lines = [`${m.name}: ${m.title}`];
  if (m.description) lines.push('', ...m.description.trim().split('\n').map((l) => `  ${l}`));
  if (m.notes.length) lines.push('', 'notes (read before running):', ...m.notes.map((n) => `  - ${n}`));
  if (m.references.length) lines.push('', 'answers:', ...m.references.map((r) => `  - ${r}`));
  lines.push('', `targets: ${runbook.targets.join(', ')}`);
  const params = Object.entries(runbook.parameters);
  lines.push('', params.length ? 'parameters:' : 'parameters: none', ...params.map(([k, p]) => paramLine(k, p)));
  lines.push('', `steps: ${summary}`, `outcomes it can declare: ${outcomes.join(', ') || '(none; running past the last step is fixed)'}`);
  output.out(lines.join('\n'));
  return EXIT.ok;
}
