/**
 * Issue 13: connected commands read the targets file through a cache of checked files
 * (src/cli/read-targets-cached.ts). An entry stands for exactly one text at one path; a changed
 * file, a refused file or a damaged entry never comes from it.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTargetsFileCached } from '../../src/cli/read-targets-cached.js';
import { formatDiagnostic, isAgmedicError, type Diagnostic } from '../../src/errors.js';
import { readTargetsFile } from '../../src/runtime/targets/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'agmedic-targets-cache-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const TARGETS = `targets:
  sqlserver:
    server: sql01.corp.example
    auth: { type: sql, user: agmedic, passwordEnv: AGMEDIC_SQL_PASSWORD }
  mi:
    server: mi-prod.abc123.database.windows.net
    caFile: certs/mi-ca.pem
    auth: { type: entra, credential: azure-cli }
`;

function fresh(name: string, text: string): { file: string; cache: string } {
  const dir = mkdtempSync(join(tmp, `${name}-`));
  const file = join(dir, 'targets.yaml');
  writeFileSync(file, text);
  mkdirSync(join(dir, 'cache'));
  return { file, cache: join(dir, 'cache') };
}

describe('readTargetsFileCached', () => {
  it('returns what readTargetsFile returns, and keeps it for the next start', async () => {
    const { file, cache } = fresh('same', TARGETS);
    const first = await readTargetsFileCached(file, cache);
    expect(first).toEqual(readTargetsFile(file));
    expect(first.targets.mi!.caFile).toBe(join(file, '..', 'certs', 'mi-ca.pem'));
    const entries = readdirSync(cache);
    expect(entries).toHaveLength(1);
    expect(await readTargetsFileCached(file, cache)).toEqual(first);
  });

  it('reads the entry for an unchanged file, and never for a changed one', async () => {
    const { file, cache } = fresh('changed', TARGETS);
    await readTargetsFileCached(file, cache);
    // Proof that the second read came from the entry: an entry edited by hand is what it returns.
    const [entry] = readdirSync(cache);
    const stored = JSON.parse(readFileSync(join(cache, entry!), 'utf8')) as { targets: Record<string, { server: string }> };
    stored.targets.sqlserver!.server = 'from-the-cache';
    writeFileSync(join(cache, entry!), JSON.stringify(stored));
    expect((await readTargetsFileCached(file, cache)).targets.sqlserver!.server).toBe('from-the-cache');

    writeFileSync(file, TARGETS.replace('sql01.corp.example', 'sql02.corp.example'));
    expect((await readTargetsFileCached(file, cache)).targets.sqlserver!.server).toBe('sql02.corp.example');
  });

  it('checks for real when an entry is damaged', async () => {
    const { file, cache } = fresh('damaged', TARGETS);
    await readTargetsFileCached(file, cache);
    const [entry] = readdirSync(cache);
    writeFileSync(join(cache, entry!), '{"targets": ');
    expect(await readTargetsFileCached(file, cache)).toEqual(readTargetsFile(file));
  });

  it('refuses a bad file or one with a password exactly as readTargetsFile does, and stores nothing', async () => {
    for (const [name, text] of [
      ['bad', TARGETS.replace('server: sql01.corp.example', 'sever: sql01.corp.example')],
      ['password', TARGETS.replace('passwordEnv: AGMEDIC_SQL_PASSWORD', 'password: Sup3rS3cret!')],
    ] as const) {
      const { file, cache } = fresh(name, text);
      const err = await readTargetsFileCached(file, cache).catch((e: unknown) => e);
      expect(isAgmedicError(err) && err.code, name).toBe('TARGETS_FILE');
      expect(() => readTargetsFile(file)).toThrow((err as Error).message);
      expect(readdirSync(cache), name).toEqual([]);
      // Everything a user or a log could see of the error: its message, its diagnostics with their lines, its JSON.
      const shown = [(err as Error).message, ...(err as { diagnostics: Diagnostic[] }).diagnostics.map((d) => formatDiagnostic(d)), JSON.stringify(err)].join('\n');
      expect(shown).not.toContain('Sup3rS3cret!');
    }
  });

  it('reports a missing file with the same code', async () => {
    const err = await readTargetsFileCached(join(tmp, 'nope.yaml'), join(tmp, 'cache-none')).catch((e: unknown) => e);
    expect(isAgmedicError(err) && err.code).toBe('TARGETS_FILE');
  });
});
