/**
 * One link or a fleet: every pair gathered at once, every network operation through one limiter,
 * so 100 pairs cost about as much wall time as the slowest few plus one sampling interval.
 */
import { evaluateRules } from './evaluate-rules.js';
import { createLimiter, gatherPairFacts, type DiagnosePorts, type PairSpec } from './gather-pair-facts.js';
import { SEVERITY_RANK, type FindingSeverity, type PairReport, type Rule } from './types.js';

export interface DiagnoseOptions {
  rules: readonly Rule[];
  targetsFile: string;
  sampleMs: number;
  /** Network operations in flight at once, across the fleet. Default 16. */
  concurrency?: number;
  link?: string;
  signal?: AbortSignal;
}

export interface DiagnoseSummary {
  pairs: number;
  links: number;
  critical: number;
  warning: number;
  info: number;
  worst: FindingSeverity;
}

export interface DiagnoseReport {
  reports: PairReport[];
  summary: DiagnoseSummary;
  /** Wall time of the whole diagnosis, including the sampling interval. */
  durationMs: number;
  sampleMs: number;
  /** Rules that could not be evaluated on some facts: `pair/link rule` → message. */
  ruleErrors: Record<string, string>;
}

const worstOf = (severities: FindingSeverity[]): FindingSeverity =>
  severities.reduce<FindingSeverity>((w, s) => (SEVERITY_RANK[s] > SEVERITY_RANK[w] ? s : w), 'info');

/** Worst first; then more criticals, more warnings; then pair id in natural order. */
export function compareReports(a: PairReport, b: PairReport): number {
  const count = (r: PairReport, s: FindingSeverity): number => r.findings.filter((f) => f.severity === s).length;
  return (
    SEVERITY_RANK[b.worst] - SEVERITY_RANK[a.worst] ||
    count(b, 'critical') - count(a, 'critical') ||
    count(b, 'warning') - count(a, 'warning') ||
    a.pair.localeCompare(b.pair, 'en', { numeric: true }) ||
    a.link.localeCompare(b.link)
  );
}

/**
 * Diagnoses every pair. Never throws for an unreachable target (that is a finding); rejects only
 * when `signal` aborts.
 *
 * @example
 * const report = await diagnoseFleet(groupPairs(config.targets).pairs, ports, { rules, targetsFile: 'targets.yaml', sampleMs: 5000 });
 * report.summary.worst; // 'critical' | 'warning' | 'info'
 */
export async function diagnoseFleet(pairs: readonly PairSpec[], ports: DiagnosePorts, opts: DiagnoseOptions): Promise<DiagnoseReport> {
  const started = ports.now();
  const limit = createLimiter(Math.max(1, opts.concurrency ?? 16));
  const ruleErrors: Record<string, string> = {};
  const nested = await Promise.all(
    pairs.map(async (pair) => {
      const gathered = await gatherPairFacts(pair, ports, limit, {
        targetsFile: opts.targetsFile,
        sampleMs: opts.sampleMs,
        ...(opts.link === undefined ? {} : { link: opts.link }),
        ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      });
      return gathered.facts.map((facts): PairReport => {
        const { findings, errors } = evaluateRules(opts.rules, facts);
        for (const [rule, message] of Object.entries(errors)) ruleErrors[`${pair.id || 'default'}/${facts.link} ${rule}`] = message;
        return {
          pair: pair.id,
          link: facts.link,
          targets: { sqlserver: pair.sqlserver?.role ?? '', mi: pair.mi?.role ?? '' },
          facts,
          findings,
          worst: worstOf(findings.map((f) => f.severity)),
          gatherMs: gathered.gatherMs,
        };
      });
    }),
  );
  const reports = nested.flat().sort(compareReports);
  const all = reports.flatMap((r) => r.findings);
  const summary: DiagnoseSummary = {
    pairs: pairs.length,
    links: reports.length,
    critical: all.filter((f) => f.severity === 'critical').length,
    warning: all.filter((f) => f.severity === 'warning').length,
    info: all.filter((f) => f.severity === 'info').length,
    worst: worstOf(all.map((f) => f.severity)),
  };
  return { reports, summary, durationMs: ports.now() - started, sampleMs: opts.sampleMs, ruleErrors };
}
