import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, vi } from 'vitest';
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

/** The runbook and parameters the approval tests sign and run. */
export const RUNBOOK = 'split-brain-recovery';
export const PARAMS = ['-p', 'link=SalesLink', '-p', 'keep=managedInstance', '-p', 'backup_path=D:\\Backup\\s.trn'];

/** A targets-file entry for a server nobody listens on (port 1, 2, 3…). */
export const unreachableTarget = (port: number): string =>
  `{ server: 127.0.0.1, port: ${port}, encrypt: false, auth: { type: sql, user: sa, passwordEnv: LAB_PASSWORD } }`;

/**
 * An approver `alice` (key in `<dir>/keys`, trusted in `home`), an operator key `ops`, and a
 * targets file of two unreachable servers (the tests' refusals come before any connection).
 */
export async function approvalFixture(home: string): Promise<{ dir: string; targetsFile: string }> {
  const dir = tempDir();
  expect((await cli('keygen', '--out', join(dir, 'keys'), '--name', 'alice')).code).toBe(0);
  expect((await cli('keygen', '--out', join(home, 'trusted-keys'), '--name', 'ops')).code).toBe(0);
  copyFileSync(join(dir, 'keys', 'alice.pub'), join(home, 'trusted-keys', 'alice.pub'));
  const targetsFile = join(dir, 'targets.yaml');
  writeFileSync(targetsFile, `targets:\n  sqlserver: ${unreachableTarget(1)}\n  mi: ${unreachableTarget(2)}\n`);
  return { dir, targetsFile };
}
