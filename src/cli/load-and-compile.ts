/**
 * The shared front half of validate/plan/graph (and later run): read → load → compile, with every
 * diagnostic collected. Throws only here, at the edge, when the runbook cannot be used.
 */
import { compileRunbook } from '../compile/index.js';
import type { CompileResult } from '../compile/index.js';
import { AgmedicError, type Diagnostic, type SourceFile } from '../errors.js';
import { loadRunbook } from '../runbook/load-runbook.js';
import { readRunbookSource, shippedRunbooksDir } from '../runbook/read-runbook.js';
import type { Runbook } from '../runbook/schema.js';
import { runbookSha256 } from '../runbook/canonical.js';

export interface Checked {
  source: SourceFile;
  runbook?: Runbook;
  compiled?: CompileResult;
  diagnostics: Diagnostic[];
}

export function checkSource(source: SourceFile): Checked {
  const loaded = loadRunbook(source);
  if (!loaded.runbook) return { source, diagnostics: loaded.diagnostics };
  const compiled = compileRunbook(loaded.runbook, { source, locate: (path) => loaded.positions.rangeOf(path) });
  return { source, runbook: loaded.runbook, compiled, diagnostics: [...loaded.diagnostics, ...compiled.diagnostics] };
}

export interface Usable {
  source: SourceFile;
  runbook: Runbook;
  compiled: CompileResult;
  sha256: string;
  warnings: Diagnostic[];
}

/** Loads and compiles a runbook by path or shipped name; refuses one with any error. */
export function loadUsableRunbook(ref: string): Usable {
  return usableOf(readRunbookSource(ref, { runbooksDir: shippedRunbooksDir() }));
}

/** Checks a runbook's text; refuses one with any error. */
export function usableOf(source: SourceFile): Usable {
  const checked = checkSource(source);
  const errors = checked.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length || !checked.runbook || !checked.compiled) {
    throw AgmedicError.fromDiagnostics(errors.length ? errors : checked.diagnostics, `${source.name} is not a valid runbook`);
  }
  return {
    source,
    runbook: checked.runbook,
    compiled: checked.compiled,
    sha256: runbookSha256(checked.runbook),
    warnings: checked.diagnostics.filter((d) => d.severity === 'warning'),
  };
}
