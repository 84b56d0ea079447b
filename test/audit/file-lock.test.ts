import { existsSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { spawnSync } from 'node:child_process';
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

  it('takes over an empty lock left by a process killed between create and write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agmedic-lock-'));
    const lock = join(dir, 'audit.jsonl.lock');
    writeFileSync(lock, '');
    const old = (Date.now() - 5_000) / 1000;
    utimesSync(lock, old, old);
    const started = Date.now();
    const release = await acquireFileLock(lock, { timeoutMs: 5_000 });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(readFileSync(lock, 'utf8')).toMatch(new RegExp(`^${process.pid} `));
    await release();
    expect(readdirSync(dir)).toEqual([]); // no temporary file left behind
  });

  it('takes over at once a lock whose holder on this host is dead', async () => {
    const lock = join(mkdtempSync(join(tmpdir(), 'agmedic-lock-')), 'audit.jsonl.lock');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(lock, `${dead} ${hostname()} ${Date.now()}`);
    const started = Date.now();
    const release = await acquireFileLock(lock, { timeoutMs: 5_000 });
    expect(Date.now() - started).toBeLessThan(1_000);
    await release();
  });

  it('waits for a live holder and then refuses with AUDIT_WRITE naming it', async () => {
    const lock = join(mkdtempSync(join(tmpdir(), 'agmedic-lock-')), 'audit.jsonl.lock');
    writeFileSync(lock, `${process.pid} ${hostname()} ${Date.now()}`);
    await expect(acquireFileLock(lock, { timeoutMs: 200 })).rejects.toMatchObject({ code: 'AUDIT_WRITE', message: expect.stringContaining(`process ${process.pid}`) });
  });
});
