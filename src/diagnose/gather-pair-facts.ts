/**
 * The I/O of diagnose for one pair: connect to both sides, take the snapshot batch, sample the HADR
 * waits over an interval, read ARM's view of the link and the log backups taken during seeding.
 * Everything is read-only; every network operation goes through the fleet's limiter; nothing here
 * throws for a target that cannot be reached — that becomes a fact (and a finding).
 */
import { isAgmedicError } from '../errors.js';
import type { AzureLink } from '../ports/azure-link.js';
import type { QueryResult, SqlTarget, TargetConfig } from '../ports/sql-target.js';
import { Q_LOG_BACKUPS_SINCE, Q_WAITS, SNAPSHOT_BATCH, SNAPSHOT_QUERIES, type SnapshotKey } from './fact-queries.js';
import { blankArm, shapeArmFacts, shapePairFacts } from './shape-pair-facts.js';
import { blankSide, iso, linksOf, logBackupFacts, ms, seedingFacts, shapeSideFacts, waitFacts, type SnapshotRows } from './shape-side-facts.js';
import type { PairFacts, SideFacts } from './types.js';

/** What diagnose needs from the outside world; cli/ wires the mssql and ARM adapters in. */
export interface DiagnosePorts {
  /** Opens a target; rejects with CONNECT_FAILED, LOGIN_FAILED or SECRET_MISSING. */
  openSql(config: TargetConfig): Promise<SqlTarget>;
  /** The ARM link resource of a target that has `azure:` coordinates (async: the ARM client loads lazily). */
  openArm(config: TargetConfig): Promise<AzureLink>;
  /** Milliseconds; the sample's length is measured with it. */
  now(): number;
  /** Waits `ms` (the wait-delta sample); rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Runs `fn` when a slot is free: the fleet's bound on concurrent network operations. */
export type Limiter = <T>(fn: () => Promise<T>) => Promise<T>;

/**
 * A limiter allowing `n` operations at once, FIFO.
 *
 * @example
 * const limit = createLimiter(16);
 * await Promise.all(targets.map((t) => limit(() => t.query(sql, [], {}))));
 */
export function createLimiter(n: number): Limiter {
  let active = 0;
  const queue: Array<() => void> = [];
  const release = (): void => {
    active--;
    queue.shift()?.();
  };
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((resolve) => queue.push(resolve));
    active++;
    try {
      return await fn();
    } finally {
      release();
    }
  };
}

/** One link's pair of targets as the targets file groups them. */
export interface PairSpec {
  /** '' for the plain `sqlserver`/`mi` roles, else the suffix (`sqlserver-3` → `3`). */
  id: string;
  sqlserver?: TargetConfig;
  mi?: TargetConfig;
}

export interface GatherOptions {
  targetsFile: string;
  /** Length of the wait-delta sample; 0 skips sampling. */
  sampleMs: number;
  /** Only this link (distributed availability group); default: every link the targets host. */
  link?: string;
  signal?: AbortSignal;
}

export interface GatheredPair {
  facts: PairFacts[];
  /** Milliseconds of work: total minus the sampling wait. */
  gatherMs: number;
}

interface Side {
  kind: 'sqlserver' | 'mi';
  config?: TargetConfig;
  target?: SqlTarget;
  facts: SideFacts;
  rows?: SnapshotRows;
  snapshotAt: number;
  waitsAfter?: SnapshotRows['waits'];
  waitsAt: number;
}

function reason(err: unknown): { code: string; message: string } {
  if (isAgmedicError(err)) return { code: err.code, message: err.message };
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}

const serverOf = (c: TargetConfig): string => `${c.server},${c.port}`;

/**
 * The snapshot as one batch; when the batch fails (a view missing on some build, a permission),
 * each query runs on its own and only the failing ones are lost (recorded in `failed`).
 */
async function takeSnapshot(target: SqlTarget, signal: AbortSignal | undefined): Promise<{ rows: SnapshotRows; failed: string[] }> {
  const empty = (): SnapshotRows => ({ server: [], roles: [], remote: [], databases: [], cert: [], seeding: [], logReuse: [], waits: [] });
  try {
    const res = await target.query(SNAPSHOT_BATCH, [], { signal });
    if (res.recordsets.length === SNAPSHOT_QUERIES.length) {
      const rows = empty();
      SNAPSHOT_QUERIES.forEach(([key], i) => {
        rows[key] = res.recordsets[i] ?? [];
      });
      return { rows, failed: [] };
    }
  } catch (err) {
    if (!isAgmedicError(err) || err.code !== 'SQL_ERROR') throw err;
  }
  const rows = empty();
  const failed: string[] = [];
  await Promise.all(
    SNAPSHOT_QUERIES.map(async ([key, text]: readonly [SnapshotKey, string]) => {
      try {
        rows[key] = (await target.query(text, [], { signal })).rows;
      } catch (err) {
        if (!isAgmedicError(err) || err.code !== 'SQL_ERROR') throw err;
        failed.push(`${key}: ${err.message}`);
      }
    }),
  );
  return { rows, failed };
}

/**
 * Gathers the facts of one pair: one {@link PairFacts} per link found (usually one). An unreachable
 * side yields facts with `reachable: false` and the driver's reason; it never throws for that.
 */
export async function gatherPairFacts(pair: PairSpec, ports: DiagnosePorts, limit: Limiter, opts: GatherOptions): Promise<GatheredPair> {
  const started = ports.now();
  const sides: Side[] = (['sqlserver', 'mi'] as const).map((kind) => {
    const config = pair[kind];
    return { kind, config, facts: blankSide(config?.role ?? '', config !== undefined), snapshotAt: 0, waitsAt: 0 };
  });
  const fail = (side: Side, err: unknown): void => {
    const r = reason(err);
    side.facts.reachable = false;
    side.facts.errorCode = r.code;
    side.facts.error = r.message;
  };

  let slept = 0;
  try {
    await Promise.all(
      sides.map(async (side) => {
        if (!side.config) return;
        side.facts.server = serverOf(side.config);
        await limit(async () => {
          try {
            side.target = await ports.openSql(side.config!);
            const snap = await takeSnapshot(side.target, opts.signal);
            side.rows = snap.rows;
            side.snapshotAt = ports.now();
            if (snap.failed.length) {
              side.facts.errorCode = 'SQL_ERROR';
              side.facts.error = `some facts could not be read: ${snap.failed.join('; ')}`;
            }
          } catch (err) {
            if (opts.signal?.aborted) throw err;
            fail(side, err);
          }
        });
      }),
    );

    const known = new Set(sides.flatMap((s) => (s.rows ? linksOf(s.rows) : [])));
    const links = opts.link !== undefined ? [opts.link] : known.size ? [...known].sort() : [''];
    const live = sides.filter((s) => s.rows && s.target);

    // While the wait sample runs, read ARM and msdb: they need no second snapshot.
    const armFacts = new Map<string, ReturnType<typeof blankArm>>();
    const backups = new Map<string, SnapshotRows['waits']>();
    const sample = async (): Promise<void> => {
      if (opts.sampleMs <= 0 || live.length === 0) return;
      const t0 = ports.now();
      await ports.sleep(opts.sampleMs, opts.signal);
      slept = ports.now() - t0;
      await Promise.all(
        live.map((side) =>
          limit(async () => {
            try {
              side.waitsAfter = (await side.target!.query(Q_WAITS, [], { signal: opts.signal })).rows;
              side.waitsAt = ports.now();
            } catch (err) {
              if (opts.signal?.aborted) throw err;
              // The first snapshot stands; only the deltas are lost.
            }
          }),
        ),
      );
    };
    const readArm = async (): Promise<void> => {
      const mi = sides[1]!;
      const config = mi.config;
      for (const link of links) armFacts.set(link, blankArm(config?.azure !== undefined));
      if (!config?.azure) return;
      await Promise.all(
        links.filter(Boolean).map((link) =>
          limit(async () => {
            try {
              const res = await (await ports.openArm(config)).call('get', link, undefined, { signal: opts.signal, apiVersion: '2025-01-01' });
              armFacts.set(link, shapeArmFacts(res.body, iso(mi.rows?.server[0]?.now_utc)));
            } catch (err) {
              if (opts.signal?.aborted) throw err;
              const a = blankArm(true);
              const r = reason(err);
              a.errorCode = r.code;
              a.error = r.message;
              armFacts.set(link, a);
            }
          }),
        ),
      );
    };
    const readBackups = async (): Promise<void> => {
      await Promise.all(
        live.flatMap((side) =>
          links.map(async (link) => {
            const seeding = seedingFacts(side.rows!.seeding, link, ms(iso(side.rows!.server[0]?.now_utc)));
            if (!seeding.present || !seeding.isSource || seeding.startTime === '' || seeding.database === '') return;
            await limit(async () => {
              try {
                const res: QueryResult = await side.target!.query(
                  Q_LOG_BACKUPS_SINCE,
                  [
                    { name: 'database', value: seeding.database, type: 'nvarchar' },
                    { name: 'since', value: new Date(seeding.startTime), type: 'datetime2' },
                  ],
                  { signal: opts.signal },
                );
                backups.set(`${side.kind}\u0000${link}`, res.rows);
              } catch (err) {
                if (opts.signal?.aborted) throw err;
              }
            });
          }),
        ),
      );
    };
    await Promise.all([sample(), readArm(), readBackups()]);

    const facts = links.map((link) => {
      const [sql, mi] = sides.map((side) => {
        if (!side.rows) return side.facts;
        const f = shapeSideFacts(side.facts.target, side.facts.server, side.kind, side.rows, link);
        f.errorCode = side.facts.errorCode;
        f.error = side.facts.error;
        f.waits = waitFacts(side.rows.waits, side.waitsAfter, (side.waitsAt - side.snapshotAt) / 1000);
        const b = backups.get(`${side.kind}\u0000${link}`);
        if (b) f.logBackupsDuringSeeding = logBackupFacts(b);
        return f;
      }) as [SideFacts, SideFacts];
      return shapePairFacts({ pair: pair.id, link, targetsFile: opts.targetsFile, sqlserver: sql, mi, arm: armFacts.get(link) ?? blankArm(false) });
    });
    return { facts, gatherMs: Math.max(0, ports.now() - started - slept) };
  } finally {
    await Promise.allSettled(sides.map((s) => s.target?.close()));
  }
}

