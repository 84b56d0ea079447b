import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filterRuns, formatAuditTimeline, formatRunList, summariseRuns } from '../../src/audit/format-audit-timeline.js';
import { formatDuration, formatLocal } from '../../src/audit/format-time.js';
import { openAuditLog } from '../../src/audit/open-audit-log.js';
import { readAuditLog } from '../../src/audit/read-audit-log.js';
import type { AuditEvent } from '../../src/audit/types.js';
import { steppingClock, tempDir } from './helpers.js';

const poll = (runId: string, target: string, ms: number): AuditEvent => ({
  type: 'statement', runId, step: 'wait_healthy', target, server: `${target},1433`, text: 'SELECT health FROM …', parameters: {}, durationMs: ms,
  outcome: { status: 'ok', rowCount: 1 },
});

async function twoRuns(): Promise<string> {
  const path = join(tempDir(), 'audit.jsonl');
  const sink = await openAuditLog({ path, clock: steppingClock() });
  const events: AuditEvent[] = [
    {
      type: 'run-start', runId: 'r1', runbook: { name: 'split-brain-recovery', sha256: 'ab'.repeat(32) }, parameters: { link: 'SalesLink' },
      mode: 'guided', operator: 'alice', host: 'ops01', targets: [{ name: 'sqlserver', server: 'sql01,1433' }],
    },
    { type: 'step', runId: 'r1', step: 'wait_healthy', phase: 'start' },
    ...Array.from({ length: 60 }, (_, i) => [poll('r1', 'sqlserver', 49.517583999999715), poll('r1', 'mi', 3)]).flat(),
    { type: 'step', runId: 'r1', step: 'wait_healthy', phase: 'end', outcome: 'ok' },
    { type: 'step', runId: 'r1', step: 'demote', phase: 'start' },
    { type: 'prompt', runId: 'r1', step: 'demote', question: 'Type the link name', answer: 'run', operator: 'alice' },
    { type: 'step', runId: 'r1', step: 'demote', phase: 'action' },
    {
      type: 'statement', runId: 'r1', step: 'demote', target: 'sqlserver', server: 'sql01,1433',
      text: 'ALTER AVAILABILITY GROUP [SalesLink]\n   SET (ROLE = SECONDARY)', parameters: {}, durationMs: 41.2,
      outcome: { status: 'error', number: 41104, message: 'Failover failed' },
    },
    { type: 'step', runId: 'r1', step: 'demote', phase: 'end', outcome: 'failed' },
    { type: 'run-end', runId: 'r1', outcome: 'failed', message: 'demote failed' },
    { type: 'skip', runId: 'r2', step: 'x', reason: 'already done' },
  ];
  for (const e of events) await sink.append(e);
  await sink.close();
  return path;
}

describe('audit show', () => {
  it('lists runs under a header, with local start, human duration and outcome; filters', async () => {
    const records = await readAuditLog(await twoRuns());
    const runs = summariseRuns(records);
    expect(runs).toMatchObject([
      { runId: 'r1', runbook: 'split-brain-recovery', mode: 'guided', operator: 'alice', outcome: 'failed', targets: ['sqlserver'] },
      { runId: 'r2', records: 1 },
    ]);
    const lines = formatRunList(runs, { color: false, timeZone: 'Europe/Paris' }).split('\n');
    expect(lines[0]).toMatch(/^RUN +STARTED +RUNBOOK +MODE +OPERATOR +DURATION +OUTCOME$/);
    expect(lines[1]).toMatch(/^r1 +2024-05-01 12:00:01 GMT\+2 +split-brain-recovery +guided +alice +2 min 8 s +failed$/);
    expect(lines[2]).toMatch(/unfinished$/);
    expect(filterRuns(runs, { outcome: 'failed' }).map((r) => r.runId)).toEqual(['r1']);
    expect(filterRuns(runs, { runbook: 'other' })).toEqual([]);
    expect(filterRuns(runs, { target: 'SQLSERVER' }).map((r) => r.runId)).toEqual(['r1']);
    expect(filterRuns(runs, { since: new Date('2024-05-01T10:00:05Z') }).map((r) => r.runId)).toEqual(['r2']);
  });

  it('one line per wait however many polls, a change with its error number, local time with the zone', async () => {
    const text = formatAuditTimeline(await readAuditLog(await twoRuns(), { runId: 'r1' }), { color: false, timeZone: 'Europe/Paris' });
    const lines = text.split('\n');
    expect(lines[0]).toContain('started 2024-05-01 12:00:01 GMT+2');
    expect(lines[2]).toMatch(/^TIME GMT\+2 +KIND +WHAT$/);
    expect(lines.filter((l) => l.includes('wait_healthy'))).toEqual(['12:00:02.000  wait       wait_healthy: 60 polls over 2 min 1 s']);
    expect(text).toContain('change     demote: CHANGE on sqlserver (sql01,1433): ALTER AVAILABILITY GROUP [SalesLink] SET (ROLE = SECONDARY) → error 41104: Failover failed  41 ms');
    expect(text).toContain('prompt     demote: Type the link name → run (alice)');
    expect(text).toContain('end        failed: demote failed');
    expect(text).not.toMatch(/\d\.\d{4,} ms/);
    expect(text).not.toContain('\u001b[');
    expect(formatAuditTimeline(await readAuditLog(await twoRuns(), { runId: 'r1' }), { color: true })).toContain('\u001b[31m');
  });

  it('durations and times read as a person would write them', () => {
    expect(formatDuration(49.517583999999715)).toBe('50 ms');
    expect(formatDuration(4_200)).toBe('4.2 s');
    expect(formatDuration(602_000)).toBe('10 min 2 s');
    expect(formatDuration(3_780_000)).toBe('1 h 3 min');
    expect(formatLocal('2026-12-02T04:14:35.452Z', { timeZone: 'America/New_York' })).toBe('2026-12-01 23:14:35 EST');
  });
});
