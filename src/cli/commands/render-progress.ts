/**
 * What a person watching a run sees on stderr: one line per step, and for `wait` steps a
 * cli-progress bar (on a terminal) with the watched value and elapsed/remaining time, or a plain
 * line per poll elsewhere.
 */
import cliProgress from 'cli-progress';
import { formatDuration, humanize } from '../../compile/human-units.js';
import type { RunNotice, WaitProgress } from '../../runtime/index.js';
import type { Output } from '../output.js';

const secs = (ms: number): string => formatDuration(ms);

const cell = (k: string, v: unknown): string => `${k}=${humanize(k, v) ?? (typeof v === 'bigint' ? v.toString() : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v))}`;

/** `sqlserver: seeding_count=2, watched_s=1 min 30 s` — what the wait's condition last read. */
function observedText(p: WaitProgress): string {
  const roles = Object.entries(p.observed ?? {});
  if (!roles.length) return '';
  return roles.map(([role, row]) => `${roles.length > 1 ? `${role}: ` : ''}${Object.entries(row).map(([k, v]) => cell(k, v)).join(', ') || '(no rows)'}`).join('; ');
}

function valueText(p: WaitProgress): string {
  if (p.value === undefined) return '';
  const unit = p.unit ?? '';
  const fmt = (n: number) => humanize(unit, n) ?? `${n}${unit ? ` ${unit}` : ''}`;
  return `${p.label ?? 'value'} ${fmt(p.value)}${p.total === undefined ? '' : ` of ${fmt(p.total)}`}`;
}

export interface ProgressRenderer {
  update(p: WaitProgress): void;
  notice(n: RunNotice): void;
  stop(): void;
}

export function createProgressRenderer(output: Output): ProgressRenderer {
  let bar: cliProgress.SingleBar | undefined;
  let barStep = '';
  /** Execution time of the change whose verify is still to come, by step. */
  const ran = new Map<string, number>();
  const stopBar = (): void => {
    bar?.stop();
    bar = undefined;
    barStep = '';
  };
  return {
    update(p) {
      // What it waits on (the values its condition read), how often it looks, and the timeout, apart.
      const seen = observedText(p);
      const shown = [valueText(p), seen ? `saw ${seen}` : '', `poll ${p.polls}${p.intervalMs ? ` every ${secs(p.intervalMs)}` : ''}`].filter(Boolean).join(' · ');
      if (!output.isTTY) {
        output.err(`  … ${p.step}: ${shown} · waited ${secs(p.elapsedMs)} · timeout in ${secs(p.remainingMs)}${p.done ? ' · done' : ''}`);
        return;
      }
      if (barStep !== p.step) {
        stopBar();
        barStep = p.step;
        bar = new cliProgress.SingleBar(
          { format: `  ${p.title} |{bar}| {shown} · waited {elapsedS} · timeout in {remainingS}`, stream: process.stderr, hideCursor: true, clearOnComplete: false },
          cliProgress.Presets.shades_classic,
        );
        bar.start(p.total ?? 1, 0, { shown, elapsedS: secs(p.elapsedMs), remainingS: secs(p.remainingMs) });
      }
      if (p.total !== undefined) bar!.setTotal(p.total);
      bar!.update(p.total !== undefined ? (p.value ?? 0) : p.done ? 1 : 0, { shown, elapsedS: secs(p.elapsedMs), remainingS: secs(p.remainingMs) });
      if (p.done) stopBar();
    },
    notice(n) {
      if (n.type === 'step') {
        stopBar();
        output.err(`→ ${n.step}: ${n.title}`);
      } else if (n.type === 'skip') output.err(`  skipped ${n.step}: ${n.reason}`);
      else if (n.type === 'executed') ran.set(n.step, n.durationMs);
      else if (n.type === 'verified') {
        const took = ran.get(n.step);
        ran.delete(n.step);
        stopBar();
        output.err(`  ${took === undefined ? '' : `executed in ${formatDuration(took)} → `}verify: ${n.ok ? 'holds' : 'does NOT hold'} — ${n.found}`);
      } else if (n.type === 'shown') for (const item of n.items) output.err(`  ${item.label}: ${item.value}`);
      else if (n.type === 'in-doubt') output.err(`  in doubt: ${n.step} on ${n.target}: verify says ${n.resolution}`);
    },
    stop: stopBar,
  };
}
