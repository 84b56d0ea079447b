/**
 * Known-good runbooks (issue 13): what checking a runbook produced (the validated model, the
 * compiled machine and graph, the safety proof, its warnings) kept as JSON under the sha256 of the
 * runbook's text. `plan`, `graph` and `validate` of a runbook this build has already checked read
 * that entry instead of loading both YAML parsers, zod and the compiler (most of their start-up).
 *
 * The build writes the entries for the shipped runbooks into dist/known-good/ (scripts/build.mjs),
 * so an entry is always the output of the very code it stands in for, and a changed runbook has
 * another hash and takes the full path. Entries exist only next to the bundle: tests running from
 * src/ (no `__AGMEDIC_KNOWN_GOOD__`) always check for real.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CompileResult } from '../compile/types.js';
import type { Diagnostic, SourceFile } from '../errors.js';
import { readRunbookSource, shippedRunbooksDir } from '../runbook/read-runbook.js';
import type { Runbook } from '../runbook/schema.js';
import type { Checked, Usable } from './load-and-compile.js';

/** Set by scripts/build.mjs: the folder of entries, relative to the bundle's root (dist/). */
declare const __AGMEDIC_KNOWN_GOOD__: string | undefined;

/** A diagnostic without its source file (the entry is keyed by that file's text already). */
type StoredDiagnostic = Omit<Diagnostic, 'source'>;

interface Entry {
  runbook: Runbook;
  compiled: Omit<CompileResult, 'diagnostics'> & { diagnostics: StoredDiagnostic[] };
  diagnostics: StoredDiagnostic[];
  sha256: string;
}

const textHash = (text: string): string => createHash('sha256').update(text).digest('hex');
const strip = (ds: readonly Diagnostic[]): StoredDiagnostic[] => ds.map(({ source: _source, ...rest }) => rest);
const attach = (ds: readonly StoredDiagnostic[], source: SourceFile): Diagnostic[] => ds.map((d) => ({ ...d, source }));

/** dist/ when running from the bundle (this code may sit in dist/cli.js or in dist/chunks/). */
function entriesDir(): string | undefined {
  if (typeof __AGMEDIC_KNOWN_GOOD__ !== 'string') return undefined;
  const here = dirname(fileURLToPath(import.meta.url));
  return join(basename(here) === 'chunks' ? dirname(here) : here, __AGMEDIC_KNOWN_GOOD__);
}

/**
 * The stored check of exactly this text, or undefined (no entry, not running from the bundle).
 *
 * @example
 * const checked = readKnownGood(source) ?? checkSource(source);
 */
export function readKnownGood(source: SourceFile, dir: string | undefined = entriesDir()): (Checked & { sha256: string }) | undefined {
  if (dir === undefined) return undefined;
  let entry: Entry;
  try {
    entry = JSON.parse(readFileSync(join(dir, `${textHash(source.text)}.json`), 'utf8')) as Entry;
  } catch {
    return undefined; // no entry: the runbook is checked for real
  }
  return {
    source,
    runbook: entry.runbook,
    compiled: { ...entry.compiled, diagnostics: attach(entry.compiled.diagnostics, source) },
    diagnostics: attach(entry.diagnostics, source),
    sha256: entry.sha256,
  };
}

/**
 * Stores a check that found no error (a runbook with errors is never "known good"). Used by the
 * build; returns the entry's file, or undefined when the check is not storable.
 *
 * @example
 * writeKnownGood(checkSource(source), runbookSha256(runbook), 'dist/known-good');
 */
export function writeKnownGood(checked: Checked, sha256: string, dir: string): string | undefined {
  if (!checked.runbook || !checked.compiled || checked.diagnostics.some((d) => d.severity === 'error')) return undefined;
  const entry: Entry = {
    runbook: checked.runbook,
    compiled: { ...checked.compiled, diagnostics: strip(checked.compiled.diagnostics) },
    diagnostics: strip(checked.diagnostics),
    sha256,
  };
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${textHash(checked.source.text)}.json`);
  writeFileSync(file, JSON.stringify(entry));
  return file;
}

/** A known-good entry as the {@link Usable} that `loadUsableRunbook` would have returned. */
export function usableFromKnownGood(hit: Checked & { sha256: string }): Usable {
  return {
    source: hit.source,
    runbook: hit.runbook!,
    compiled: hit.compiled!,
    sha256: hit.sha256,
    warnings: hit.diagnostics.filter((d) => d.severity === 'warning'),
  };
}

/**
 * `loadUsableRunbook` for the commands whose start-up counts (plan, graph, run, resume): the known-good
 * entry when there is one, else the full check, loaded only then.
 *
 * @example
 * const usable = await loadUsableRunbookFast('split-brain-recovery');
 */
export async function loadUsableRunbookFast(ref: string): Promise<Usable> {
  const source = readRunbookSource(ref, { runbooksDir: shippedRunbooksDir() });
  const hit = readKnownGood(source);
  return hit ? usableFromKnownGood(hit) : (await import('./load-and-compile.js')).usableOf(source);
}

/** `checkSource` for `validate`, the same way. */
export async function checkSourceFast(source: SourceFile): Promise<Checked> {
  return readKnownGood(source) ?? (await import('./load-and-compile.js')).checkSource(source);
}
