import { spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openAuditLog } from '../../src/audit/open-audit-log.js';
import { readAuditLog } from '../../src/audit/read-audit-log.js';
import { verifyAuditLog } from '../../src/audit/verify-audit-log.js';
import { sampleEvent, steppingClock, tempDir } from './helpers.js';

describe('FileAuditSink', () => {
  it('creates directories 0700 and the file 0600', async () => {
    const dir = join(tempDir(), 'nested', '.agmedic');
    const path = join(dir, 'audit.jsonl');
    const sink = await openAuditLog({ path });
    await sink.append(sampleEvent(1));
    await sink.close();
    if (process.platform !== 'win32') {
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(path).mode & 0o777).toBe(0o600);
    }
  });

  it('keeps the order of concurrent appends, batching them, and the chain verifies', async () => {
    const path = join(tempDir(), 'audit.jsonl');
    const sink = await openAuditLog({ path, clock: steppingClock(), maxBatch: 64 });
    await Promise.all(Array.from({ length: 500 }, (_, i) => sink.append(sampleEvent(i))));
    await sink.sync();
    await sink.close();
    const records = await readAuditLog(path);
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(records.map((r) => (r as { step: string }).step)).toEqual(Array.from({ length: 500 }, (_, i) => `s${i}`));
    // Stamped when appended, not when written.
    expect(records[0]!.ts).toBe('2024-05-01T10:00:01.000Z');
    expect(records[499]!.ts).toBe('2024-05-01T10:08:20.000Z');
    expect(await verifyAuditLog(path)).toMatchObject({ ok: true, records: 500 });
  });

  it('continues seq and chain when reopened, reading only the tail', async () => {
    const path = join(tempDir(), 'audit.jsonl');
    for (let run = 0; run < 3; run++) {
      const sink = await openAuditLog({ path, clock: steppingClock() });
      for (let i = 0; i < 4; i++) await sink.append(sampleEvent(i, `run-${run}`));
      await sink.close();
    }
    expect(await verifyAuditLog(path)).toMatchObject({ ok: true, records: 12, lastSeq: 12 });
    expect((await readAuditLog(path, { runId: 'run-1' })).map((r) => r.seq)).toEqual([5, 6, 7, 8]);
  });

  it('two writers on one file interleave whole records and never fork the chain', async () => {
    const path = join(tempDir(), 'audit.jsonl');
    const a = await openAuditLog({ path, clock: steppingClock() });
    const b = await openAuditLog({ path, clock: steppingClock() });
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      writes.push(a.append(sampleEvent(i, 'run-a')), b.append(sampleEvent(i, 'run-b')));
      if (i % 25 === 0) await Promise.all(writes); // give the other writer its turns
    }
    await Promise.all(writes);
    await Promise.all([a.close(), b.close()]);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: true, records: 400 });
    const steps = (await readAuditLog(path, { runId: 'run-a' })).map((r) => (r as { step: string }).step);
    expect(steps).toEqual(Array.from({ length: 200 }, (_, i) => `s${i}`));
  });

  it('refuses to append after a damaged or incomplete last record', async () => {
    const path = join(tempDir(), 'audit.jsonl');
    const sink = await openAuditLog({ path, clock: steppingClock() });
    await sink.append(sampleEvent(1));
    await sink.close();
    appendFileSync(path, '{"hash":"00');
    await expect(openAuditLog({ path })).rejects.toMatchObject({ code: 'AUDIT_CHAIN_BROKEN' });
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.slice(0, text.indexOf('\n')).replace('"durationMs":1', '"durationMs":2') + '\n');
    await expect(openAuditLog({ path })).rejects.toMatchObject({ code: 'AUDIT_CHAIN_BROKEN' });
  });

  it('rejects a secret at the caller and keeps working', async () => {
    const path = join(tempDir(), 'audit.jsonl');
    const sink = await openAuditLog({ path });
    const { Secret } = await import('../../src/ports/secret.js');
    await expect(sink.append({ ...sampleEvent(1), parameters: { x: new Secret('p') } } as never)).rejects.toMatchObject({ code: 'INTERNAL' });
    await expect(sink.append({ ...sampleEvent(2), seq: 99 } as never)).rejects.toMatchObject({ code: 'INTERNAL' });
    await sink.append(sampleEvent(3));
    await sink.close();
    await expect(sink.append(sampleEvent(4))).rejects.toMatchObject({ code: 'AUDIT_WRITE' });
    expect(await verifyAuditLog(path)).toMatchObject({ ok: true, records: 1 });
  });

  it('breaks a lock left by a dead process', async () => {
    const path = join(tempDir(), 'audit.jsonl');
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(`${path}.lock`, `${deadPid} ${hostname()} ${Date.now()}`);
    const sink = await openAuditLog({ path, lock: { timeoutMs: 2000 } });
    await sink.append(sampleEvent(1));
    await sink.close();
    expect(existsSync(`${path}.lock`)).toBe(false);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: true, records: 1 });
  });

  it('waits for a live holder, then fails with AUDIT_WRITE naming it', async () => {
    const path = join(tempDir(), 'audit.jsonl');
    writeFileSync(`${path}.lock`, `${process.pid} ${hostname()} ${Date.now()}`);
    const err = await openAuditLog({ path, lock: { timeoutMs: 200 } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AUDIT_WRITE' });
    expect((err as Error).message).toContain(`process ${process.pid}`);
  });
});
