import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeRecord } from '../../src/audit/encode-record.js';
import { openAuditLog } from '../../src/audit/open-audit-log.js';
import { verifyAuditLog } from '../../src/audit/verify-audit-log.js';
import { GENESIS } from '../../src/audit/types.js';
import { sampleEvent, steppingClock, tempDir } from './helpers.js';

async function writeLog(count: number): Promise<{ path: string; lines: string[] }> {
  const path = join(tempDir(), 'audit.jsonl');
  const sink = await openAuditLog({ path, clock: steppingClock() });
  for (let i = 1; i <= count; i++) await sink.append(sampleEvent(i));
  await sink.close();
  return { path, lines: readFileSync(path, 'utf8').split('\n').slice(0, -1) };
}

function save(path: string, lines: string[], trailingNewline = true): void {
  writeFileSync(path, lines.join('\n') + (trailingNewline && lines.length ? '\n' : ''));
}

const hashOf = (line: string) => (JSON.parse(line) as { hash: string }).hash;

describe('verifyAuditLog', () => {
  it('accepts an intact log and reports its head', async () => {
    const { path, lines } = await writeLog(8);
    expect(await verifyAuditLog(path)).toEqual({ ok: true, records: 8, lastSeq: 8, lastHash: hashOf(lines[7]!) });
  });

  it('accepts an empty log', async () => {
    const path = join(tempDir(), 'empty.jsonl');
    writeFileSync(path, '');
    expect(await verifyAuditLog(path)).toEqual({ ok: true, records: 0, lastSeq: 0, lastHash: GENESIS });
  });

  it('every line is canonical JSON with hash, prev and seq first', async () => {
    const { lines } = await writeLog(3);
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(Object.keys(first).slice(0, 3)).toEqual(['hash', 'prev', 'seq']);
    const rest = Object.keys(first).slice(3);
    expect(rest).toEqual([...rest].sort());
    expect(first.prev).toBe(GENESIS);
    expect((JSON.parse(lines[1]!) as { prev: string }).prev).toBe(first.hash);
  });

  const cases: Array<[string, (lines: string[]) => string[], { line: number; reason: string }]> = [
    ['an edited value', (l) => l.map((x, i) => (i === 4 ? x.replace('"durationMs":5', '"durationMs":6') : x)), { line: 5, reason: 'edited' }],
    ['an edited seq', (l) => l.map((x, i) => (i === 2 ? x.replace('"seq":3,', '"seq":9,') : x)), { line: 3, reason: 'edited' }],
    ['a deleted record', (l) => l.filter((_, i) => i !== 3), { line: 4, reason: 'deleted' }],
    ['the first record deleted', (l) => l.slice(1), { line: 1, reason: 'deleted' }],
    ['a copied record inserted', (l) => [...l.slice(0, 5), l[2]!, ...l.slice(5)], { line: 6, reason: 'inserted' }],
    ['two records swapped', (l) => [l[0]!, l[1]!, l[3]!, l[2]!, ...l.slice(4)], { line: 3, reason: 'reordered' }],
    ['a record moved down', (l) => [l[0]!, l[2]!, l[3]!, l[4]!, l[1]!, ...l.slice(5)], { line: 2, reason: 'reordered' }],
    ['a garbage line', (l) => [...l.slice(0, 2), 'not json', ...l.slice(2)], { line: 3, reason: 'parse' }],
  ];
  it.each(cases)('detects %s', async (_name, tamper, expected) => {
    const { path, lines } = await writeLog(8);
    save(path, tamper(lines));
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, ...expected });
  });

  it('detects a forged record inserted with a correct hash and prev, naming the forged line', async () => {
    const { path, lines } = await writeLog(8);
    const prev = hashOf(lines[3]!);
    const forged = encodeRecord(prev, 5, '2024-05-01T10:00:04.500Z', { type: 'skip', runId: 'run-1', step: 'demote', reason: 'forged' }).line.trimEnd();
    save(path, [...lines.slice(0, 4), forged, ...lines.slice(4)]);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, line: 5, reason: 'inserted' });
  });

  it('detects a record rewritten with a recomputed hash, naming it', async () => {
    const { path, lines } = await writeLog(8);
    const prev = hashOf(lines[1]!);
    const rewritten = encodeRecord(prev, 3, '2024-05-01T10:00:04.000Z', { type: 'skip', runId: 'run-1', step: 's3', reason: 'rewritten' }).line.trimEnd();
    save(path, [...lines.slice(0, 2), rewritten, ...lines.slice(3)]);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, line: 3, reason: 'edited' });
  });

  it('detects a truncated last line', async () => {
    const { path, lines } = await writeLog(8);
    writeFileSync(path, lines.slice(0, 7).join('\n') + '\n' + lines[7]!.slice(0, 100));
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, line: 8, reason: 'parse' });
  });

  it('reports a wrong seq on an otherwise intact chain', async () => {
    const { path } = await writeLog(2);
    const a = encodeRecord(GENESIS, 1, '2024-05-01T10:00:00.000Z', sampleEvent(1));
    const b = encodeRecord(a.hash, 3, '2024-05-01T10:00:01.000Z', sampleEvent(2));
    writeFileSync(path, a.line + b.line);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, line: 2, reason: 'seq' });
  });

  it('verifies lines longer than its read buffer and multi-byte text across chunk edges', async () => {
    const path = join(tempDir(), 'audit.jsonl');
    const sink = await openAuditLog({ path, clock: steppingClock() });
    await sink.append({ type: 'skip', runId: 'r', step: 'x', reason: 'é'.repeat(3 * 1024 * 1024) });
    for (let i = 0; i < 50; i++) await sink.append({ type: 'skip', runId: 'r', step: 'x', reason: `€${'ü'.repeat(1000 + i)}` });
    await sink.close();
    expect(await verifyAuditLog(path)).toMatchObject({ ok: true, records: 51 });
  });
});
