/**
 * `agmedic run RUNBOOK -p k=v -t targets.yaml [--unattended --approval FILE --trusted-keys FILE]
 * [--audit FILE] [--state-dir DIR] [--json]`
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Output } from '../output.js';
import { parseParamPairs } from '../parse-params.js';
import { loadUsableRunbook, resolveTargetsPath, runSession, type RunDeps } from './run-session.js';

export interface RunOptions {
  param: string[];
  targets?: string;
  unattended?: boolean;
  approval?: string;
  trustedKeys?: string;
  audit?: string;
  stateDir?: string;
  json?: boolean;
}

/** Paths go into the run's manifest: absolute, so `resume` works from any directory. */
const abs = (p: string | undefined): string | undefined => (p === undefined ? undefined : resolve(p));

export async function runCommand(ref: string, opts: RunOptions, output: Output, deps: RunDeps = {}): Promise<number> {
  const env = deps.env ?? process.env;
  const usable = loadUsableRunbook(existsSync(ref) ? resolve(ref) : ref);
  return runSession(
    {
      usable,
      rawParameters: parseParamPairs(opts.param),
      targetsFile: abs(resolveTargetsPath(opts.targets, env)),
      auditFile: abs(opts.audit),
      stateDir: abs(opts.stateDir),
      unattended: opts.unattended ?? false,
      ...(opts.approval === undefined ? {} : { approvalFile: abs(opts.approval)! }),
      ...(opts.trustedKeys === undefined ? {} : { trustedKeysFile: abs(opts.trustedKeys)! }),
      json: opts.json ?? false,
    },
    output,
    deps,
  );
}
