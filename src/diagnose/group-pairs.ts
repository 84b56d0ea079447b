/**
 * A targets file describes one link with the roles `sqlserver` and `mi`, or a fleet by suffixing
 * them: `sqlserver-<id>` / `mi-<id>` (what `agmedic lab up --pairs N` writes), or prefixing:
 * `<id>-sqlserver` / `<id>-mi`. Roles sharing an id form a pair; other roles are left out.
 */
import type { TargetConfig } from '../ports/sql-target.js';
import { pairRole } from '../runtime/targets/select-pair.js';
import type { PairSpec } from './gather-pair-facts.js';

export { pairRole };

/**
 * Groups the targets into pairs, in natural order of their ids ('' first, then 2 before 10).
 *
 * @example
 * groupPairs({ sqlserver: a, mi: b, 'sqlserver-2': c, 'mi-2': d }).pairs.map((p) => p.id) // ['', '2']
 */
export function groupPairs(targets: Record<string, TargetConfig>, only?: readonly string[]): { pairs: PairSpec[]; ignored: string[] } {
  const byId = new Map<string, PairSpec>();
  const ignored: string[] = [];
  for (const [role, config] of Object.entries(targets)) {
    const r = pairRole(role);
    if (!r) {
      ignored.push(role);
      continue;
    }
    const spec = byId.get(r.id) ?? { id: r.id };
    if (spec[r.kind]) ignored.push(role);
    else spec[r.kind] = config;
    byId.set(r.id, spec);
  }
  const collator = new Intl.Collator('en', { numeric: true });
  let pairs = [...byId.values()].sort((a, b) => collator.compare(a.id, b.id));
  if (only && only.length) pairs = pairs.filter((p) => only.includes(p.id) || (p.id === '' && only.includes('default')));
  return { pairs, ignored };
}
