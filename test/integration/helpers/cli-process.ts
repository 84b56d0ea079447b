/**
 * Runs agmedic as a real child process (what SIGKILL and Ctrl-C need). The CLI is bundled with
 * esbuild into a private folder under node_modules/.cache (packages stay external and resolve from
 * the repository), so these tests never race with `npm run build` over dist/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPair } from '../../../src/runtime/approval/keys.js';
import { signApproval } from '../../../src/runtime/approval/sign-approval.js';
import { approvalServerName } from '../../../src/runtime/approval/authorize-unattended.js';
import { loadRunbook } from '../../../src/runbook/load-runbook.js';
import { runbookSha256 } from '../../../src/runbook/canonical.js';
import type { Lab } from '../../../src/lab/index.js';
import { buildCliBundle } from './build-cli.js';


/** Bundles src/cli/main.ts into a private folder (build-cli.ts); returns the entry file. */
export const buildCli = buildCliBundle;

export interface Child {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnCli(cli: string, args: string[], env: Record<string, string | undefined>): Child {
  const proc = spawn(process.execPath, [cli, ...args], { env: { ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return { proc, stdout: () => out, stderr: () => err, exit };
}

/** Polls `probe` every 20 ms until it returns true (or `ms` pass: then throws, naming `what`). */
/** `agmedic resume RUN_ID --json` as a child process: its exit code, its JSON (or raw stdout) and stderr. */
export async function resumeCli(cli: string, runId: string, env: Record<string, string | undefined>): Promise<{ code: number | null; json: Record<string, unknown>; stderr: string }> {
  const child = spawnCli(cli, ['resume', runId, '--json'], env);
  const { code } = await child.exit;
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(child.stdout()) as Record<string, unknown>;
  } catch {
    json = { raw: child.stdout() };
  }
  return { code, json, stderr: child.stderr() };
}

export async function until(what: string, probe: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A key pair, the trusted-keys folder and a signed approval covering the fixture with `params`. */
export function approvalFor(home: string, runbookFile: string, lab: Lab, params: Record<string, string | number>): { approval: string; trustedKeys: string } {
  const keys = generateKeyPair();
  const trusted = join(home, 'trusted-keys');
  mkdirSync(trusted, { recursive: true });
  writeFileSync(join(trusted, 'tester.pub'), keys.publicKeyPem);
  const loaded = loadRunbook({ name: runbookFile, text: readFileSync(runbookFile, 'utf8') });
  const runbook = loaded.runbook!;
  const now = Date.now();
  const approval = signApproval(
    {
      runbook: { name: runbook.metadata.name, sha256: runbookSha256(runbook) },
      targets: [approvalServerName(lab.host, lab.sqlserver.port), approvalServerName(lab.host, lab.mi.port)],
      parameters: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, { equals: v }])),
      approver: 'approver@lab',
      issuedAt: new Date(now - 60_000),
      expiresAt: new Date(now + 3_600_000),
    },
    keys.privateKeyPem,
  );
  const file = join(home, 'run.approval.json');
  writeFileSync(file, JSON.stringify(approval, null, 2));
  return { approval: file, trustedKeys: trusted };
}

/** Every run's journal status lines, to see where a run is. */
export function journalText(home: string, runId: string): string {
  try {
    return readFileSync(join(home, 'runs', runId, 'journal.jsonl'), 'utf8');
  } catch {
    return '';
  }
}
