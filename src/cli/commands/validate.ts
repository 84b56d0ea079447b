import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { formatDiagnostics, lineColOf, type Diagnostic } from '../../errors.js';
import { readRunbookSource, shippedRunbooksDir } from '../../runbook/read-runbook.js';
import { EXIT } from '../exit-codes.js';
import { checkSourceFast } from '../known-good.js';
import type { Output } from '../output.js';

/** Folders stand for the *.yaml / *.yml files directly inside them. */
function expand(refs: readonly string[]): string[] {
  const out: string[] = [];
  for (const ref of refs) {
    let isDir = false;
    try {
      isDir = statSync(ref).isDirectory();
    } catch {
      // not a path on disk: a shipped runbook name, resolved (or refused) by readRunbookSource
    }
    if (!isDir) {
      out.push(ref);
      continue;
    }
    for (const f of readdirSync(ref).sort()) if (/\.ya?ml$/.test(f)) out.push(join(ref, f));
  }
  return out;
}

function toJson(d: Diagnostic) {
  const pos = d.source && d.range ? lineColOf(d.source.text, d.range.start) : undefined;
  return {
    file: d.source?.name,
    line: pos?.line,
    col: pos?.col,
    severity: d.severity,
    code: d.code,
    message: d.message,
    path: d.path,
  };
}

export async function validateCommand(refs: string[], opts: { json?: boolean }, output: Output): Promise<number> {
  const files = expand(refs);
  const all: Diagnostic[] = [];
  const summary: Array<{ file: string; errors: number; warnings: number }> = [];
  for (const ref of files) {
    const source = readRunbookSource(ref, { runbooksDir: shippedRunbooksDir() });
    const { diagnostics } = await checkSourceFast(source);
    all.push(...diagnostics);
    summary.push({
      file: source.name,
      errors: diagnostics.filter((d) => d.severity === 'error').length,
      warnings: diagnostics.filter((d) => d.severity === 'warning').length,
    });
  }
  const errors = summary.reduce((n, s) => n + s.errors, 0);
  if (opts.json) {
    output.out(JSON.stringify({ ok: errors === 0, files: summary, diagnostics: all.map(toJson) }, null, 2));
  } else {
    if (all.length) output.err(formatDiagnostics(all) + '\n');
    for (const s of summary) {
      output.out(`${s.errors ? 'FAIL' : 'ok  '}  ${s.file}${s.errors ? `  (${s.errors} error${s.errors === 1 ? '' : 's'})` : ''}${s.warnings ? `  (${s.warnings} warning${s.warnings === 1 ? '' : 's'})` : ''}`);
    }
  }
  return errors ? EXIT.invalid : EXIT.ok;
}
