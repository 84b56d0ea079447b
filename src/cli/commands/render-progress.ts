/**
 * What a person watching a run sees on stderr: one line per step, and for `wait` steps a
 * cli-progress bar (on a terminal) with the watched value and elapsed/remaining time, or a plain
 * line per poll elsewhere.
 */
import cliProgress from 'cli-progress';
import type { RunNotice, WaitProgress } from '../../runtime/index.js';
import type { Output } from '../output.js';

const secs = (ms: number): string => `${Math.round(ms / 1000)}s`;

export interface ProgressRenderer {
  update(p: WaitProgress): void;
  notice(n: RunNotice): void;
  stop(): void;
}

export function createProgressRenderer(output: Output): ProgressRenderer {
  let bar: cliProgress.SingleBar | undefined;
  let barStep = '';
  const stopBar = (): void => {
    bar?.stop();
    bar = undefined;
    barStep = '';
  };
  return {
    update(p) {
      const shown = p.value === undefined ? `poll ${p.polls}` : `${p.label ?? 'value'} ${p.value}${p.total === undefined ? '' : `/${p.total}`}${p.unit ? ` ${p.unit}` : ''}`;
      if (!output.isTTY) {
        output.err(`  … ${p.step}: ${shown} · elapsed ${secs(p.elapsedMs)} · ${secs(p.remainingMs)} left${p.done ? ' · done' : ''}`);
        return;
      }
      if (barStep !== p.step) {
        stopBar();
        barStep = p.step;
        bar = new cliProgress.SingleBar(
          { format: `  ${p.title} |{bar}| {shown} · elapsed {elapsedS} · {remainingS} left`, stream: process.stderr, hideCursor: true, clearOnComplete: false },
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
      } else if (n.type === 'skip') output.err(`  skipped ${n.step} (${n.reason})`);
      else if (n.type === 'in-doubt') output.err(`  in doubt: ${n.step} on ${n.target}: verify says ${n.resolution}`);
    },
    stop: stopBar,
  };
}
