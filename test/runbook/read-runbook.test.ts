import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { AgmedicError, isAgmedicError } from '../../src/errors.js';
import { listRunbooks } from '../../src/runbook/list-runbooks.js';
import { findPackageRoot, readRunbookSource, shippedRunbooksDir } from '../../src/runbook/read-runbook.js';
import { BASE } from './fixtures.js';

const errorOf = (fn: () => unknown): AgmedicError => {
  try {
    fn();
  } catch (err) {
    if (isAgmedicError(err)) return err;
    throw err;
  }
  throw new Error('did not throw');
};

describe('readRunbookSource / listRunbooks', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'agmedic-runbooks-'));
    writeFileSync(join(dir, 'split-brain-recovery.yaml'), BASE);
    writeFileSync(join(dir, 'reseed.yml'), 'metadata: { title: Reseed a database }\n');
    writeFileSync(join(dir, 'broken.yaml'), 'metadata: [\n');
    writeFileSync(join(dir, 'notes.txt'), 'not a runbook');
    mkdirSync(join(dir, 'sub.yaml'));
  });

  it('reads a shipped runbook by name, named by its name', () => {
    const s = readRunbookSource('split-brain-recovery', { runbooksDir: dir });
    expect(s).toEqual({ name: 'split-brain-recovery', text: BASE });
    expect(readRunbookSource('reseed', { runbooksDir: dir }).text).toContain('Reseed');
  });

  it('reads a path as given', () => {
    const file = join(dir, 'split-brain-recovery.yaml');
    expect(readRunbookSource(file, { runbooksDir: '/nonexistent' })).toEqual({ name: file, text: BASE });
  });

  it('refuses an unknown name with RUNBOOK_NOT_FOUND listing the available ones', () => {
    const err = errorOf(() => readRunbookSource('split-brain-recovry', { runbooksDir: dir }));
    expect(err.code).toBe('RUNBOOK_NOT_FOUND');
    expect(err.details).toEqual({ available: ['broken', 'reseed', 'split-brain-recovery', 'sub'] });
    expect(err.message).toContain('did you mean "split-brain-recovery"?');
    expect(errorOf(() => readRunbookSource('..', { runbooksDir: dir })).code).toBe('RUNBOOK_NOT_FOUND');
  });

  it('reports unreadable paths as FILE_READ', () => {
    expect(errorOf(() => readRunbookSource(join(dir, 'missing.yaml'), { runbooksDir: dir })).code).toBe('FILE_READ');
    expect(errorOf(() => readRunbookSource(join(dir, 'sub.yaml'), { runbooksDir: dir })).code).toBe('FILE_READ');
    expect(errorOf(() => readRunbookSource('sub', { runbooksDir: dir })).code).toBe('FILE_READ');
  });

  it('lists runbooks with titles from their metadata, including broken ones', () => {
    const list = listRunbooks(dir).filter((r) => r.name !== 'sub');
    expect(list.map((r) => [r.name, r.title])).toEqual([
      ['broken', '(unreadable: run agmedic validate on it)'],
      ['reseed', 'Reseed a database'],
      ['split-brain-recovery', 'Recover a Managed Instance link from split brain'],
    ]);
    expect(list[1]!.file).toBe(join(dir, 'reseed.yml'));
    expect(errorOf(() => listRunbooks(join(dir, 'nope'))).code).toBe('FILE_READ');
  });
});

describe('findPackageRoot', () => {
  it('walks up from a module URL to the agmedic package', () => {
    const root = findPackageRoot(import.meta.url);
    expect(join(root, 'test', 'runbook')).toBe(dirname(fileURLToPath(import.meta.url)));
    expect(shippedRunbooksDir()).toBe(join(root, 'runbooks'));
  });

  it('throws INTERNAL outside the package', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agmedic-nopkg-'));
    writeFileSync(join(dir, 'package.json'), '{"name":"other"}');
    expect(errorOf(() => findPackageRoot(pathToFileURL(join(dir, 'x.js')).href)).code).toBe('INTERNAL');
  });
});
