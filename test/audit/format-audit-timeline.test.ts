import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatAuditTimeline, formatRunList, summariseRuns } from '../../src/audit/format-audit-timeline.js';
import { openAuditLog } from '../../src/audit/open-audit-log.js';
import { readAuditLog } from '../../src/audit/read-audit-log.js';
import { steppingClock, tempDir } from './helpers.js';

async function twoRuns(): Promise<string> {
  const path = join(tempDir(), 'audit.jsonl');
  const sink = await openAuditLog({ path, clock: steppingClock() });
  await sink.append({
    type: 'run-start', runId: 'r1', runbook: { name: 'split-brain-recovery', sha256: 'ab'.repeat(32) }, parameters: { link: 'SalesLink' },
    mode: 'guided', operator: 'alice', host: 'ops01', targets: [{ name: 'sqlserver', server: 'sql01,1433' }],
  });
  await sink.append({
    type: 'statement', runId: 'r1', step: 'demote', target: 'sqlserver', server: 'sql01,1433',
    text: 'ALTER AVAILABILITY GROUP [SalesLink]\n   SET (ROLE = SECONDARY)', parameters: {}, durationMs: 41,
    outcome: { status: 'error', number: 41104, message: 'Failover failed' },
  });
  await sink.append({ type: 'prompt', runId: 'r1', step: 'demote', question: 'Type the link name', answer: 'SalesLink', operator: 'alice' });
  await sink.append({ type: 'run-end', runId: 'r1', outcome: 'failed', message: 'demote failed' });
  await sink.append({ type: 'skip', runId: 'r2', step: 'x', reason: 'already done' });
  await sink.close();
  return path;
}

describe('audit show', () => {
  it('lists runs with runbook, mode, operator and outcome', async () => {
    const records = await readAuditLog(await twoRuns());
    const runs = summariseRuns(records);
    expect(runs).toMatchObject([
      { runId: 'r1', runbook: 'split-brain-recovery', mode: 'guided', operator: 'alice', outcome: 'failed', records: 4 },
      { runId: 'r2', records: 1 },
    ]);
    expect(formatRunList(runs, { color: false }).split('\n')[1]).toContain('unfinished');
  });

  it('shows one line per record: statements one-lined with their outcome, prompt answers', async () => {
    const text = formatAuditTimeline(await readAuditLog(await twoRuns(), { runId: 'r1' }), { color: false });
    const lines = text.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toBe('10:00:02.000  statement  demote  sqlserver (sql01,1433)  ALTER AVAILABILITY GROUP [SalesLink] SET (ROLE = SECONDARY)  {}  error 41104: Failover failed  41 ms');
    expect(lines[2]).toContain('"Type the link name" → "SalesLink"  (alice)');
    expect(text).not.toContain('\u001b[');
    expect(formatAuditTimeline(await readAuditLog(await twoRuns(), { runId: 'r1' }), { color: true })).toContain('\u001b[31m');
  });
});
