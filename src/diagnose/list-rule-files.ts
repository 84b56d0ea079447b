import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AgmedicError } from '../errors.js';

/**
 * The YAML files of a folder, sorted, as paths: the rule files of runbooks/rules/. Apart from
 * load-rules.ts so that listing them does not load the YAML parsers and zod. Throws `FILE_READ`.
 *
 * @example
 * listRuleFiles(shippedRulesDir()) // ['/…/runbooks/rules/10-reachability.yaml', …]
 */
export function listRuleFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => /\.ya?ml$/i.test(f))
      .sort()
      .map((f) => join(dir, f));
  } catch (err) {
    throw new AgmedicError('FILE_READ', `cannot list rules in ${dir}: ${(err as Error).message}`);
  }
}
