/**
 * Which process holds a run right now: `<run dir>/holder.json` ({pid, host, since}) written when a
 * run (or resume) starts and removed when it ends. The journal alone cannot tell a run that is
 * still going from one whose process died: both have no final status. A holder file whose process
 * is gone (same host) means the run crashed and can be resumed.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export interface RunHolder {
  pid: number;
  host: string;
  since: string;
}

/** @example const release = holdRun(journal.location); try { … } finally { release(); } */
export function holdRun(runDir: string, now = new Date()): () => void {
  const file = join(runDir, 'holder.json');
  const me: RunHolder = { pid: process.pid, host: hostname(), since: now.toISOString() };
  writeFileSync(file, `${JSON.stringify(me)}\n`, { mode: 0o600 });
  return () => {
    try {
      const now = JSON.parse(readFileSync(file, 'utf8')) as RunHolder;
      if (now.pid === me.pid && now.host === me.host) rmSync(file, { force: true });
    } catch {
      // already gone
    }
  };
}

/** The holder and whether it is alive: `unknown` for a process on another host. */
export function readRunHolder(runDir: string): (RunHolder & { alive: boolean | 'unknown' }) | undefined {
  let h: RunHolder;
  try {
    h = JSON.parse(readFileSync(join(runDir, 'holder.json'), 'utf8')) as RunHolder;
  } catch {
    return undefined;
  }
  if (h.host !== hostname()) return { ...h, alive: 'unknown' };
  try {
    process.kill(h.pid, 0);
    return { ...h, alive: true };
  } catch (err) {
    return { ...h, alive: (err as NodeJS.ErrnoException).code === 'EPERM' };
  }
}
