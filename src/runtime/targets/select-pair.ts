/**
 * A fleet's targets file names each link's sides `sqlserver-<id>` / `mi-<id>` (what `agmedic lab up
 * --pairs N` writes) or `<id>-sqlserver` / `<id>-mi`. Runbooks speak of `sqlserver` and `mi`;
 * `--pair <id>` picks one link's two sides and gives them those names, so the command `diagnose`
 * recommends for pair 7 runs against pair 7 and nothing else.
 */
import { AgmedicError } from '../../errors.js';
import type { TargetsConfig } from './types.js';

const SUFFIXED = /^(sqlserver|mi)(?:-(.+))?$/;
const PREFIXED = /^(.+)-(sqlserver|mi)$/;

/** `{ kind, id }` for a role that names one side of a pair (`id` is '' for plain `sqlserver`/`mi`). */
export function pairRole(role: string): { kind: 'sqlserver' | 'mi'; id: string } | undefined {
  const s = SUFFIXED.exec(role);
  if (s) return { kind: s[1] as 'sqlserver' | 'mi', id: s[2] ?? '' };
  const p = PREFIXED.exec(role);
  if (p) return { kind: p[2] as 'sqlserver' | 'mi', id: p[1]! };
  return undefined;
}

/**
 * The targets of one pair, renamed to `sqlserver` / `mi`; roles that belong to no pair are kept.
 * Throws `UNKNOWN_TARGET` (naming the pairs that exist) when the pair is not in the file.
 *
 * @example
 * selectPair(config, '7').targets.sqlserver // was targets['sqlserver-7']
 */
export function selectPair(config: TargetsConfig, id: string): TargetsConfig {
  const want = id === 'default' ? '' : id;
  const targets: TargetsConfig['targets'] = {};
  const ids = new Set<string>();
  for (const [role, target] of Object.entries(config.targets)) {
    const r = pairRole(role);
    if (!r) {
      targets[role] = target;
      continue;
    }
    ids.add(r.id || 'default');
    if (r.id === want) targets[r.kind] = { ...target, role: r.kind };
  }
  if (!targets.sqlserver && !targets.mi) {
    throw new AgmedicError('UNKNOWN_TARGET', `${config.path} has no pair "${id}" (it has: ${[...ids].join(', ') || 'none'})`);
  }
  return { ...config, targets };
}
