/**
 * File I/O at the edge of the runbook stage: resolving a runbook reference to its text, listing a
 * folder of runbooks, and finding the shipped ones next to the installed package.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgmedicError, type SourceFile } from '../errors.js';
import { ID_PATTERN } from './patterns.js';
import { didYouMean } from './suggest.js';

export const RUNBOOK_FILE = /\.ya?ml$/i;

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
