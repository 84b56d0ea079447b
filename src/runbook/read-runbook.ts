/**
 * File I/O at the edge of the runbook stage: resolving a runbook reference to its text, listing a
 * folder of runbooks, and finding the shipped ones next to the installed package.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORE_SCHEMA, load } from 'js-yaml';
import { AgmedicError, type SourceFile } from '../errors.js';
import { ID_PATTERN } from './patterns.js';
import { didYouMean } from './suggest.js';

const RUNBOOK_FILE = /\.ya?ml$/i;

/** True when `ref` is a path rather than the name of a shipped runbook. */
function isPath(ref: string): boolean {
  return ref.includes('/') || ref.includes(sep) || RUNBOOK_FILE.test(ref);
}

function readText(file: string, shown: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (cause as Error).message;
    throw new AgmedicError('FILE_READ', `cannot read ${shown}: ${why}`, { cause });
  }
}

/** Runbook name → file name in a folder (name = file name without .yaml/.yml); empty when unreadable. */
function runbookFiles(dir: string): Map<string, string> {
  try {
    const files = readdirSync(dir).filter((f) => RUNBOOK_FILE.test(f)).sort();
    return new Map(files.map((f) => [f.replace(RUNBOOK_FILE, ''), f]));
  } catch {
    return new Map();
  }
}

/**
 * Reads a runbook given as a path (contains a slash or ends in .yaml/.yml) or as the name of a
 * shipped runbook (`<runbooksDir>/<name>.yaml`). Throws `RUNBOOK_NOT_FOUND` (listing the
 * available names) or `FILE_READ`.
 *
 * @example
 * readRunbookSource('split-brain-recovery', { runbooksDir: shippedRunbooksDir() });
 * readRunbookSource('./my-runbooks/reseed.yaml', { runbooksDir: shippedRunbooksDir() });
 */
export function readRunbookSource(ref: string, opts: { runbooksDir: string }): SourceFile {
  if (isPath(ref)) return { name: ref, text: readText(ref, ref) };
  const files = runbookFiles(opts.runbooksDir);
  const names = [...files.keys()];
  const file = ID_PATTERN.test(ref) ? files.get(ref) : undefined;
  if (file === undefined) {
    const available = names.length ? `available: ${names.join(', ')}` : 'no runbooks are shipped';
    throw new AgmedicError('RUNBOOK_NOT_FOUND', `no runbook named "${ref}"${didYouMean(ref, names)} (${available}); to use a file, give its path`, {
      details: { available: names },
    });
  }
  return { name: ref, text: readText(join(opts.runbooksDir, file), ref) };
}

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

/**
 * The agmedic package root: the nearest directory above `fromUrl` whose package.json is named
 * "agmedic". Works from `src/` under vitest and from the bundled `dist/`. Throws `INTERNAL`.
 *
 * @example
 * findPackageRoot(import.meta.url) // '/usr/lib/node_modules/agmedic'
 */
export function findPackageRoot(fromUrl: string): string {
  let dir = dirname(fromUrl.startsWith('file:') ? fileURLToPath(fromUrl) : resolve(fromUrl));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === 'agmedic') return dir;
    } catch {
      // no (readable) package.json here: keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) throw new AgmedicError('INTERNAL', `cannot find the agmedic package root above ${fromUrl}`);
    dir = parent;
  }
}

/**
 * The folder of runbooks shipped with agmedic.
 *
 * @example
 * readRunbookSource('split-brain-recovery', { runbooksDir: shippedRunbooksDir() })
 */
export function shippedRunbooksDir(): string {
  return join(findPackageRoot(import.meta.url), 'runbooks');
}
