/**
 * `agmedic runs [--all] [--json]`: the runs whose journal says they can be resumed (interrupted, or
 * whose process died), and with --all every run, each with its true status: a run a live process
 * still holds is `running`, not `interrupted`.
 */
import { join } from 'node:path';
import { defaultStateDir } from '../../adapters/file-journal.js';
import { formatLocal } from '../../audit/format-time.js';
import { EXIT } from '../exit-codes.js';
import type { Output } from '../output.js';
import { listRunStates } from '../read-run-state.js';

export interface RunsOptions {
  all?: boolean;
  stateDir?: string;
  json?: boolean;
}

export async function runsCommand(opts: RunsOptions, output: Output, env = process.env): Promise<number> {
  const dir = opts.stateDir ?? defaultStateDir(env);
  const states = listRunStates(join(dir, 'runs')).filter((s) => opts.all || s.resumable || s.status === 'running');
  if (opts.json) {
    output.out(JSON.stringify(states.map((s) => ({
      runId: s.runId, runbook: s.manifest.runbook.name, mode: s.manifest.mode, operator: s.manifest.operator, host: s.manifest.host,
      startedAt: s.manifest.startedAt, status: s.status, resumable: s.resumable, ...(s.outcome ? { outcome: s.outcome } : {}), ...(s.holder ? { holder: s.holder } : {}),
    })), null, 2));
    return EXIT.ok;
  }
  if (states.length === 0) {
    output.out(opts.all ? `no runs in ${join(dir, 'runs')}` : `no run to resume in ${join(dir, 'runs')} (agmedic runs --all lists every run)`);
    return EXIT.ok;
  }
  const rows = states.map((s) => [
    s.runId, formatLocal(s.manifest.startedAt), s.manifest.runbook.name, s.manifest.mode, s.manifest.operator,
    s.status === 'running' ? `running (pid ${s.holder?.pid})` : s.status === 'unknown' ? `held on ${s.holder?.host}` : s.status === 'finished' ? `finished: ${s.outcome ?? '?'}` : 'interrupted',
    s.resumable ? `agmedic resume ${s.runId}` : '',
  ]);
  output.out(table(['RUN', 'STARTED', 'RUNBOOK', 'MODE', 'OPERATOR', 'STATUS', 'RESUME WITH'], rows));
  return EXIT.ok;
}

/** Columns padded to their widest cell; the last one is not padded. */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}
