/**
 * Values in units a DBA reads at 3 a.m.: DMV columns name their unit in a suffix (`_kb`,
 * `_bytes`, `_ms`, `_s`), so `log_send_queue_kb=1843200` is shown as `1.8 GB` and
 * `shared_eta_s=4320` as `1 h 12 min`. Pure: used by plan, guided prompts and progress lines.
 */

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** 1536 → `1.5 KB`; 1843200 * 1024 → `1.8 GB`. */
export function formatBytes(bytes: number): string {
  let v = Math.abs(bytes);
  let u = 0;
  while (v >= 1024 && u < BYTE_UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  const text = u === 0 ? String(Math.round(v)) : v >= 100 ? v.toFixed(0) : v.toFixed(1);
  return `${bytes < 0 ? '-' : ''}${text} ${BYTE_UNITS[u]}`;
}

/** 84 → `84 ms`; 4_320_000 → `1 h 12 min`; 93_000 → `1 min 33 s`; 2.5 d → `2 d 12 h`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const neg = ms < 0 ? '-' : '';
  const a = Math.abs(ms);
  if (a < 1000) return `${neg}${Math.round(a)} ms`;
  if (a < 60_000) return `${neg}${a < 10_000 ? (a / 1000).toFixed(1).replace(/\.0$/, '') : Math.round(a / 1000)} s`;
  const s = Math.round(a / 1000);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const parts = d > 0 ? [`${d} d`, h ? `${h} h` : ''] : h > 0 ? [`${h} h`, m ? `${m} min` : ''] : [`${m} min`, sec ? `${sec} s` : ''];
  return neg + parts.filter(Boolean).join(' ');
}

const toNumber = (v: unknown): number | undefined => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
  return undefined;
};

/**
 * A named value with its unit spelled out when the name carries one; anything else unchanged.
 *
 * @example
 * humanize('log_send_queue_kb', 1843200) // '1.8 GB'
 * humanize('eta_s', 4320)                // '1 h 12 min'
 * humanize('role', 'PRIMARY')            // 'PRIMARY'
 */
export function humanize(name: string, value: unknown, unit?: string): string | undefined {
  const n = toNumber(value);
  if (n === undefined) return undefined;
  const key = (unit ?? name).toLowerCase();
  if (/(^|_)(kb)$/.test(key)) return formatBytes(n * 1024);
  if (/(^|_)(mb)$/.test(key)) return formatBytes(n * 1024 * 1024);
  if (/(^|_)bytes?$/.test(key)) return formatBytes(n);
  if (/(^|_)ms$/.test(key) && !/ms_per_s$/.test(key)) return formatDuration(n);
  if (/(^|_)(s|sec|secs|seconds)$/.test(key) && !/per_s$/.test(key)) return formatDuration(n * 1000);
  return undefined;
}
