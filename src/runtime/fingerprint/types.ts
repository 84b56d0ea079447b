/**
 * A plan's fingerprint: the facts its route depended on, with the values they had when the live
 * plan was made. `agmedic run plan.json` reads the same facts again and refuses, before changing
 * anything, when one differs ("plan is stale: …").
 */

/** One fact the route depended on. */
export interface FingerprintEntry {
  /** CEL over `facts`, e.g. `facts.roles.sqlserver[0].role` or `size(facts.sqlserver_backup.sqlserver)`. */
  fact: string;
  /** Its value (JSON: times as ISO strings, big integers as strings); absent when it could not be read. */
  value?: unknown;
  /** Set when reading the fact failed (e.g. a check returned no row): the plan relied on its absence. */
  unavailable?: true;
  /** The conditions that read it, as `<step>.<field>` (`not_split.when`, `roles.expect`, `branch.choices[0].when`). */
  readBy: string[];
}

export interface PlanFingerprint {
  /** Hex sha256 of the canonical JSON of every fact and value, for a quick equality test. */
  sha256: string;
  facts: FingerprintEntry[];
}

/** One difference found by `checkPlanFreshness`. */
export interface FactChange {
  fact: string;
  was: unknown;
  now: unknown;
  readBy: string[];
}

export type Freshness = { fresh: true } | { fresh: false; changes: FactChange[] };

/** The route a run took (or, in check mode, would take) — the executor's `RunResult` subset used here. */
export interface RouteFacts {
  route: ReadonlyArray<{ step: string; via?: string }>;
  facts: Readonly<Record<string, unknown>>;
  stoppedAt?: { step: string; phase: string; reason: string };
}
