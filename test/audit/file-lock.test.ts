import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireFileLock } from '../../src/audit/file-lock.js';

describe('acquireFileLock', () => {
  it('releases its own lock', async () => {
    const lock = join(mkdtempSync(join(tmpdir(), 'agmedic-lock-')), 'audit.jsonl.lock');
    const release = await acquireFileLock(lock);
    expect(existsSync(lock)).toBe(true);
    await release();
    expect(existsSync(lock)).toBe(false);
  });

  it('never removes a lock another writer took over after judging ours stale', async () => {
    const lock = join(mkdtempSync(join(tmpdir(), 'agmedic-lock-')), 'audit.jsonl.lock');
    const release = await acquireFileLock(lock);
    writeFileSync(lock, `999999 other-host ${Date.now()}`);
    await release();
    expect(readFileSync(lock, 'utf8')).toMatch(/^999999 other-host/);
  });
});
