import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { AuditEvent } from '../../src/audit/types.js';
import type { Clock } from '../../src/ports/clock.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the test. */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'agmedic-audit-'));
  dirs.push(d);
  return d;
}

/** A clock that advances one second per reading, so every record has its own time. */
export function steppingClock(start = Date.parse('2024-05-01T10:00:00.000Z')): Clock {
  let t = start;
  return { now: () => new Date((t += 1000)) };
}

/** The i-th event of a plausible run. */
export function sampleEvent(i: number, runId = 'run-1'): AuditEvent {
  return i % 3 === 0
    ? { type: 'step', runId, step: `s${i}`, phase: 'start' }
    : {
        type: 'statement',
        runId,
        step: `s${i}`,
        target: 'sqlserver',
        server: '127.0.0.1,11433',
        text: `SELECT ${i} AS n WHERE @link = N'x'`,
        parameters: { link: 'SalesLink', i },
        durationMs: i,
        outcome: { status: 'ok', rowCount: 1 },
      };
}
