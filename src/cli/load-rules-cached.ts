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
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listRuleFiles } from '../diagnose/list-rule-files.js';
import type { Rule } from '../diagnose/types.js';
import type { SourceRange } from '../errors.js';
import { checkedCache } from './boot/checked-cache.js';

type StoredRule = Omit<Rule, 'source' | 'locate'> & { file: string; range: SourceRange };

/**
 * `loadRules(opts)`, from the cache when this build already checked these very files.
 *
 * @example
 * const rules = await loadRulesCached({ runbooksDir: shippedRunbooksDir() });
 */
export async function loadRulesCached(opts: { runbooksDir: string; files?: string[] }, dir?: string): Promise<Rule[]> {
  const cache = checkedCache('rules', dir); // undefined: the user's folder, for a built CLI
  // The files hashed are the files loaded: runbooks/rules/ of the runbooks folder unless named.
  let files: string[] | undefined;
  try {
    files = opts.files ?? listRuleFiles(join(opts.runbooksDir, 'rules'));
  } catch {
    files = undefined; // no rules folder: loadRules reports it with its code
  }
  let texts: Map<string, string> | undefined;
  let inputs: string[] | undefined;
  if (cache !== undefined && files !== undefined) {
    try {
      texts = new Map(files.map((f) => [f, readFileSync(f, 'utf8')]));
      // A rule's `runbook:` parameters are checked against that runbook: its text is part of the key.
      const runbooks = listRuleFiles(opts.runbooksDir).flatMap((f) => [f, readFileSync(f, 'utf8')]);
      inputs = [opts.runbooksDir, ...[...texts].flat(), '', ...runbooks];
    } catch {
      inputs = undefined; // an unreadable file: the full load below reports it with its code
    }
  }
  const stored = inputs === undefined ? undefined : cache?.read<StoredRule[]>(inputs);
  if (texts !== undefined && Array.isArray(stored) && stored.every((r) => texts.has(r.file))) {
    return stored.map(({ file: name, range, ...rest }) => ({ ...rest, source: { name, text: texts.get(name)! }, locate: () => range }));
  }
  const { loadRules } = await import('../diagnose/load-rules.js');
  const rules = loadRules(files === undefined ? opts : { ...opts, files });
  if (inputs !== undefined && rules.every((r) => texts?.get(r.source.name) === r.source.text)) {
    cache?.write(inputs, rules.map(({ source, locate, ...rest }): StoredRule => ({ ...rest, file: source.name, range: locate([]) })));
  }
  return rules;
}
