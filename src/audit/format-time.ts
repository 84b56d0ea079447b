/**
 * Times and durations as a person reads them in an incident review: local time with its zone next
 * to UTC (a review spans teams in several zones), and durations in the largest sensible units
 * instead of the float milliseconds the clock measured.
 */

/** Where and how to print times; tests pin the zone so their expectations do not depend on the host. */
export interface TimeStyle {
  /** IANA zone, e.g. "Europe/Paris"; default: this process's zone (TZ). */
  timeZone?: string;
}

/**
 * @example
 * formatDuration(49.517583999999715) // '50 ms'
 * formatDuration(602_000)            // '10 min 2 s'
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const h = Math.floor(s / 3600);
  const min = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h} h ${min} min`;
  return sec ? `${min} min ${sec} s` : `${min} min`;
}

/** The zone in effect: the style's, else the process's. */
export function zoneOf(style: TimeStyle = {}): string {
  return style.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
}

function parts(iso: string, timeZone: string): Record<string, string> {
  const fmt = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
    timeZoneName: 'short',
  });
  const out: Record<string, string> = {};
  for (const p of fmt.formatToParts(new Date(iso))) out[p.type] = p.value;
  return out;
}

/**
 * Local date and time with the zone's abbreviation (or offset).
 *
 * @example
 * formatLocal('2026-12-02T04:14:35.452Z', { timeZone: 'Europe/Paris' }) // '2026-12-02 05:14:35 GMT+1'
 */
export function formatLocal(iso: string, style: TimeStyle = {}): string {
  const p = parts(iso, zoneOf(style));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${p.timeZoneName ?? ''}`.trim();
}

/** Local time of day only (for timeline rows of one run), with milliseconds. */
export function formatLocalClock(iso: string, style: TimeStyle = {}): string {
  const p = parts(iso, zoneOf(style));
  return `${p.hour}:${p.minute}:${p.second}.${iso.slice(20, 23) || '000'}`;
}

/** The zone's abbreviation at a given time (for a table header). */
export function zoneName(iso: string, style: TimeStyle = {}): string {
  return parts(iso, zoneOf(style)).timeZoneName ?? zoneOf(style);
}

/** @example formatUtc('2026-12-02T04:14:35.452Z') // '2026-12-02 04:14:35 UTC' */
export function formatUtc(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

/** Both, as the report's header prints them. */
export function formatBoth(iso: string, style: TimeStyle = {}): string {
  const local = formatLocal(iso, style);
  return zoneOf(style) === 'UTC' || zoneOf(style) === 'Etc/UTC' ? formatUtc(iso) : `${local} (${formatUtc(iso)})`;
}
