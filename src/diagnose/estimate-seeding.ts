/**
 * Seeding time estimates [TS]: time ≈ size / link speed (100 GB at 84 GB/h ≈ 1.2 h; at 10 GB/h
 * ≈ 10 h); databases seeding at once share the link's bandwidth; link creation is cancelled after
 * 6 days, and seeding starts over after any network drop or restart — so a plan needs headroom.
 */
import { AgmedicError } from '../errors.js';

export const SEEDING_LIMIT_HOURS = 144;
/** Above this share of the limit one restart (seeding starts over) would not fit any more. */
export const AT_RISK_SHARE = 0.5;

const BYTE_UNITS: Record<string, number> = {
  b: 1, kb: 1024, kib: 1024, mb: 1024 ** 2, mib: 1024 ** 2, gb: 1024 ** 3, gib: 1024 ** 3, tb: 1024 ** 4, tib: 1024 ** 4,
};
/** Network speeds are usually quoted in bits, decimal. */
const BIT_UNITS: Record<string, number> = { bit: 1 / 8, kbit: 125, mbit: 125_000, gbit: 125_000_000, kbps: 125, mbps: 125_000, gbps: 125_000_000 };
const PER: Record<string, number> = { s: 1, sec: 1, min: 60, m: 60, h: 3600, hr: 3600, hour: 3600 };

/**
 * `100GB`, `1.5 TB`, `500MiB` → bytes (KB/MB/GB/TB are powers of 1024, as SQL Server reports sizes).
 *
 * @example
 * parseSize('100GB') // 107374182400
 */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)?\s*$/i.exec(text);
  const unit = (m?.[2] ?? 'b').toLowerCase();
  const factor = BYTE_UNITS[unit];
  if (!m || factor === undefined || Number(m[1]) <= 0) {
    throw new AgmedicError('USAGE', `size "${text}" is not a size such as 100GB, 1.5TB or 500MB`);
  }
  return Number(m[1]) * factor;
}

/**
 * `84GB/h`, `3MB/s`, `1Gbps`, `200 Mbit/s` → bytes per second.
 *
 * @example
 * parseSpeed('84GB/h') // 25053163.52
 */
export function parseSpeed(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*(?:\/\s*([a-z]+))?\s*$/i.exec(text);
  const fail = (): never => {
    throw new AgmedicError('USAGE', `speed "${text}" is not a speed such as 84GB/h, 3MB/s or 1Gbps`);
  };
  if (!m || Number(m[1]) <= 0) return fail();
  const unit = m[2]!.toLowerCase();
  const per = m[3]?.toLowerCase();
  if (per === undefined) {
    const bits = BIT_UNITS[unit];
    return bits !== undefined && unit.endsWith('ps') ? Number(m[1]) * bits : fail();
  }
  const perSeconds = PER[per];
  const factor = BYTE_UNITS[unit] ?? BIT_UNITS[unit];
  if (perSeconds === undefined || factor === undefined) return fail();
  return (Number(m[1]) * factor) / perSeconds;
}

export interface SeedingEstimate {
  databases: number;
  /** Bytes still to transfer, all databases together. */
  totalBytes: number;
  bytesPerSecond: number;
  /** Hours from now until the last database finishes (they share the bandwidth). */
  hours: number;
  /** Hours already spent (live estimates); 0 for a plan. */
  elapsedHours: number;
  /** elapsed + hours: what the 6-day limit is compared with. */
  projectedTotalHours: number;
  limitHours: number;
  verdict: 'ok' | 'at-risk' | 'exceeds';
  summary: string;
}

/**
 * Seeding time for `databases` databases of `sizeBytes` each over a link of `bytesPerSecond`.
 *
 * @example
 * estimateSeeding({ sizeBytes: parseSize('100GB'), bytesPerSecond: parseSpeed('84GB/h') }).hours // ≈ 1.19
 */
export function estimateSeeding(input: { sizeBytes: number; bytesPerSecond: number; databases?: number; elapsedHours?: number }): SeedingEstimate {
  const databases = Math.max(1, Math.floor(input.databases ?? 1));
  const totalBytes = input.sizeBytes * databases;
  const hours = totalBytes / input.bytesPerSecond / 3600;
  const elapsedHours = input.elapsedHours ?? 0;
  const projectedTotalHours = elapsedHours + hours;
  const verdict = projectedTotalHours > SEEDING_LIMIT_HOURS ? 'exceeds' : projectedTotalHours > SEEDING_LIMIT_HOURS * AT_RISK_SHARE ? 'at-risk' : 'ok';
  const what = databases > 1 ? `${databases} databases × ${formatBytes(input.sizeBytes)} = ${formatBytes(totalBytes)}` : formatBytes(totalBytes);
  const parts = [`${what} at ${formatSpeed(input.bytesPerSecond)} ≈ ${formatHours(hours)}`];
  if (databases > 1) parts.push('(they seed in parallel and share the bandwidth, so each finishes near the end)');
  if (elapsedHours > 0) parts.push(`after ${formatHours(elapsedHours)} already spent: ${formatHours(projectedTotalHours)} in total`);
  if (verdict === 'exceeds') parts.push(`— beyond the ${SEEDING_LIMIT_HOURS} h (6-day) limit: link creation will be cancelled`);
  else if (verdict === 'at-risk') {
    parts.push(`— the 6-day limit is at risk: seeding starts over after any network drop or restart, and one restart would not fit`);
  }
  return { databases, totalBytes, bytesPerSecond: input.bytesPerSecond, hours, elapsedHours, projectedTotalHours, limitHours: SEEDING_LIMIT_HOURS, verdict, summary: parts.join(' ') };
}

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : Math.round(v * 10) / 10} ${units[i]}`;
}

export function formatSpeed(bytesPerSecond: number): string {
  const perHour = bytesPerSecond * 3600;
  return perHour >= 1024 ** 3 ? `${formatBytes(perHour)}/h` : `${formatBytes(bytesPerSecond)}/s`;
}

export function formatHours(h: number): string {
  if (!Number.isFinite(h)) return '∞';
  if (h < 1) return `${Math.max(1, Math.round(h * 60))} min`;
  if (h < 48) return `${Math.round(h * 10) / 10} h`;
  return `${Math.round(h)} h (${Math.round((h / 24) * 10) / 10} days)`;
}
