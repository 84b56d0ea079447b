import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, vi } from 'vitest';
import { memoryOutput } from '../../../src/cli/output.js';
import { runCli } from '../../../src/cli/program.js';

const dirs: string[] = [];

/** A fresh temporary directory, removed after the test. */
export function tempDir(prefix = 'agmedic-cli-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/**
 * Points AGMEDIC_HOME at a temporary folder for every test of the file, so nothing ever reads or
 * writes the real ~/.agmedic; returns a getter for the current test's home.
 */
export function isolatedHome(): () => string {
  let home = '';
  beforeEach(() => {
    home = tempDir('agmedic-home-');
    vi.stubEnv('AGMEDIC_HOME', home);
    vi.stubEnv('NO_COLOR', '1');
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return () => home;
}

/** Runs the CLI in-process. */
export async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = memoryOutput();
  const code = await runCli(argv, out);
  return { code, stdout: out.stdout, stderr: out.stderr };
}
