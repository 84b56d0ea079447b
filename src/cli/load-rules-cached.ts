/**
 * Loads the diagnose rules through a cache of checked rule sets (issue 13): checking the shipped
 * rules (YAML with positions, zod, every CEL expression) was ~180 ms of every `diagnose` start,
 * more than gathering the facts of a link. The entry is what loadRules returned for exactly these
 * rule files' texts and the runbooks they name (a rule's parameters are checked against its
 * runbook), from exactly this build; anything else is a miss and is checked for real. Only a rule
 * set without errors is stored, so an entry never hides a problem.
 *
 * A rule from the cache points at its own rule for every source position (`locate`): positions
 * inside a rule are only needed to report a problem, and a stored set has none.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Rule } from '../diagnose/types.js';
import type { SourceRange } from '../errors.js';
import { privateCacheDir, readCacheEntry, writeCacheEntry } from './boot/cache-dir.js';

declare const __AGMEDIC_BUILD_ID__: string | undefined;

const buildId = (): string | undefined => (typeof __AGMEDIC_BUILD_ID__ === 'string' ? __AGMEDIC_BUILD_ID__ : undefined);

type StoredRule = Omit<Rule, 'source' | 'locate'> & { file: string; range: SourceRange };

const yamlFiles = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => /\.ya?ml$/i.test(f))
    .sort()
    .map((f) => join(dir, f));

/**
 * `loadRules(opts)`, from the cache when this build already checked these very files.
 *
 * @example
 * const rules = await loadRulesCached({ runbooksDir: shippedRunbooksDir() });
 */
export async function loadRulesCached(opts: { runbooksDir: string; files?: string[] }, dir: string | undefined = buildId() === undefined ? undefined : privateCacheDir('rules')): Promise<Rule[]> {
  // The files hashed are the files loaded: runbooks/rules/ of the runbooks folder unless named.
  let files: string[] | undefined;
  try {
    files = opts.files ?? yamlFiles(join(opts.runbooksDir, 'rules'));
  } catch {
    files = undefined; // no rules folder: loadRules reports it
  }
  let key: string | undefined;
  let texts: Map<string, string> | undefined;
  if (dir !== undefined && files !== undefined) {
    try {
      texts = new Map(files.map((f) => [f, readFileSync(f, 'utf8')]));
      const h = createHash('sha256').update(`${buildId() ?? ''}\0${opts.runbooksDir}\0`);
      for (const [f, text] of texts) h.update(`rules\0${f}\0${text}\0`);
      // A rule's `runbook:` parameters are checked against that runbook: its text is part of the key.
      for (const f of yamlFiles(opts.runbooksDir)) h.update(`runbook\0${f}\0${readFileSync(f, 'utf8')}\0`);
      key = h.digest('hex');
    } catch {
      key = undefined; // an unreadable file: the full load below reports it with its code
    }
  }
  if (key !== undefined && dir !== undefined && texts !== undefined) {
    const hit = read(join(dir, `${key}.json`), texts);
    if (hit) return hit;
  }
  const { loadRules } = await import('../diagnose/load-rules.js');
  const rules = loadRules(files === undefined ? opts : { ...opts, files });
  if (key !== undefined && dir !== undefined && texts !== undefined && rules.every((r) => texts.get(r.source.name) === r.source.text)) {
    const stored: StoredRule[] = rules.map(({ source, locate, ...rest }) => ({ ...rest, file: source.name, range: locate([]) }));
    store(join(dir, `${key}.json`), JSON.stringify(stored));
  }
  return rules;
}

function read(file: string, texts: Map<string, string>): Rule[] | undefined {
  let stored: StoredRule[];
  try {
    const entry = readCacheEntry(file);
    if (entry === undefined) return undefined;
    stored = JSON.parse(entry.toString('utf8')) as StoredRule[];
  } catch {
    return undefined; // not checked yet by this build (or a damaged entry)
  }
  if (!Array.isArray(stored) || stored.some((r) => !texts.has(r.file))) return undefined;
  return stored.map(({ file: name, range, ...rest }) => ({ ...rest, source: { name, text: texts.get(name)! }, locate: () => range }));
}

/** A cache entry that cannot be written costs the next start its speed, nothing else. */
function store(file: string, json: string): void {
  try {
    writeCacheEntry(file, json);
  } catch {
    // a full disk or a vanished folder: the next start checks the file again
  }
}
