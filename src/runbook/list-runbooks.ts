/**
 * `agmedic list`: the runbooks in a folder with their titles. Apart from read-runbook.ts so that
 * reading one runbook (every command) does not load a YAML parser (js-yaml, for the titles).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CORE_SCHEMA, load } from 'js-yaml';
import { AgmedicError } from '../errors.js';
import { RUNBOOK_FILE } from './read-runbook.js';

/**
 * The runbooks in a folder, sorted by name, with titles read from their metadata. A file that is
 * not valid YAML is still listed (its title says so) so `agmedic validate` can be pointed at it.
 * Throws `FILE_READ` when the folder cannot be read.
 *
 * @example
 * listRunbooks(shippedRunbooksDir()) // [{ name: 'split-brain-recovery', title: 'Recover …', file: '/…/runbooks/split-brain-recovery.yaml' }]
 */
export function listRunbooks(runbooksDir: string): Array<{ name: string; title: string; file: string }> {
  let files: string[];
  try {
    files = readdirSync(runbooksDir).filter((f) => RUNBOOK_FILE.test(f)).sort();
  } catch (cause) {
    throw new AgmedicError('FILE_READ', `cannot list runbooks in ${runbooksDir}: ${(cause as Error).message}`, { cause });
  }
  return files.map((f) => {
    const file = join(runbooksDir, f);
    let title = '(untitled)';
    try {
      const data = loadMetadata(readFileSync(file, 'utf8'));
      if (typeof data?.metadata?.title === 'string') title = data.metadata.title;
    } catch {
      title = '(unreadable: run agmedic validate on it)';
    }
    return { name: basename(f).replace(RUNBOOK_FILE, ''), title, file };
  });
}

/**
 * The document's `metadata:` for listing: only that top-level block is parsed when it can be cut
 * out (the shipped runbooks' SQL makes a whole parse ~30 ms per file); anything unusual, or a
 * block that fails on its own (an alias defined elsewhere), takes a whole parse. js-yaml, not
 * yaml: listing needs no positions.
 */
function loadMetadata(text: string): { metadata?: { title?: unknown } } | null {
  const block = /^metadata:[^\n]*\n(?:(?:[ \t][^\n]*|[ \t]*)(?:\n|$))*/m.exec(text)?.[0];
  if (block !== undefined) {
    try {
      const data = load(block, { schema: CORE_SCHEMA }) as { metadata?: { title?: unknown } } | null;
      if (typeof data?.metadata?.title === 'string') return data;
    } catch {
      // fall through to the whole document
    }
  }
  return load(text, { schema: CORE_SCHEMA }) as { metadata?: { title?: unknown } } | null;
}
