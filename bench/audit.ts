/**
 * Audit log throughput. Targets (issue: audit log): appending ≥ 5,000 records/s through
 * FileAuditSink, and verifying a 1,000,000-record log in ≤ 5 s.
 *
 * Run: npm run build && node dist/bench/audit.js [appendCount] [verifyCount]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openAuditLog } from '../src/audit/open-audit-log.js';
import { verifyAuditLog } from '../src/audit/verify-audit-log.js';
import type { AuditEvent } from '../src/audit/types.js';

const appendCount = Number(process.argv[2] ?? 100_000);
const verifyCount = Number(process.argv[3] ?? 1_000_000);
const keep = process.env.AGMEDIC_BENCH_KEEP;
const dir = mkdtempSync(join(tmpdir(), 'agmedic-bench-audit-'));

// A realistic mix: mostly statements (the bulk of a real log), some steps and prompts.
function event(i: number): AuditEvent {
  const runId = `run-${Math.floor(i / 1000)}`;
  switch (i % 10) {
    case 0:
      return { type: 'step', runId, step: 'demote', phase: 'start' };
    case 1:
      return { type: 'prompt', runId, step: 'demote', question: 'Type the link name to confirm', answer: 'SalesLink', operator: 'alice' };
    default:
      return {
        type: 'statement',
        runId,
        step: 'roles',
        target: 'sqlserver',
        server: 'sql01.contoso.com,1433',
        text:
          'SELECT rs.role_desc AS role FROM sys.availability_groups ag JOIN sys.dm_hadr_availability_replica_states rs ' +
          'ON ag.group_id = rs.group_id WHERE rs.is_local = 1 AND ag.is_distributed = 1 AND ag.name = @link',
        parameters: { link: 'SalesLink' },
        durationMs: i % 97,
        outcome: { status: 'ok', rowCount: 1 },
      };
  }
}

async function appendAll(path: string, count: number, awaitEach: boolean): Promise<number> {
  const sink = await openAuditLog({ path });
  const t0 = performance.now();
  if (awaitEach) {
    for (let i = 0; i < count; i++) await sink.append(event(i));
  } else {
    // The runtime never has more than a few appends in flight; windows of 1,000 model a busy run
    // without queueing a million promises at once.
    for (let i = 0; i < count; i += 1000) {
      const window: Promise<void>[] = [];
      for (let j = i; j < Math.min(count, i + 1000); j++) window.push(sink.append(event(j)));
      await Promise.all(window);
    }
  }
  await sink.close();
  return performance.now() - t0;
}

try {
  const serial = join(dir, 'serial.jsonl');
  const ms1 = await appendAll(serial, appendCount, true);
  console.log(`append, one at a time (awaited): ${appendCount} records in ${ms1.toFixed(0)} ms = ${Math.round(appendCount / (ms1 / 1000))} records/s (target ≥ 5,000)`);

  const batched = join(dir, 'batched.jsonl');
  const ms2 = await appendAll(batched, appendCount, false);
  console.log(`append, 1,000 in flight:         ${appendCount} records in ${ms2.toFixed(0)} ms = ${Math.round(appendCount / (ms2 / 1000))} records/s`);

  const big = join(dir, 'big.jsonl');
  const msGen = await appendAll(big, verifyCount, false);
  const size = statSync(big).size;
  console.log(`generated ${verifyCount} records (${(size / 1e6).toFixed(0)} MB) in ${(msGen / 1000).toFixed(1)} s`);
  const t0 = performance.now();
  const result = await verifyAuditLog(big);
  const ms3 = performance.now() - t0;
  if (!result.ok || result.records !== verifyCount) throw new Error(`verify failed: ${JSON.stringify(result)}`);
  console.log(`verify: ${verifyCount} records in ${(ms3 / 1000).toFixed(2)} s = ${Math.round(verifyCount / (ms3 / 1000))} records/s (target ≤ 5 s)`);
  if (appendCount / (ms1 / 1000) < 5000 || ms3 > 5000) process.exitCode = 1;
} finally {
  if (keep) console.log(`kept ${dir}`); else rmSync(dir, { recursive: true, force: true });
}
