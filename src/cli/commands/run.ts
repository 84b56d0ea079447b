/**
 * `agmedic run RUNBOOK|plan.json -p k=v -t targets.yaml [--unattended --approval FILE --trusted-keys FILE]
 * [--audit FILE] [--state-dir DIR] [--json]`
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { AgmedicError } from '../../errors.js';
import type { Usable } from '../load-and-compile.js';
import type { Output } from '../output.js';
import { parseParamPairs } from '../parse-params.js';
import { isPlanFile, readSavedPlan, type SavedPlan } from '../read-saved-plan.js';
import { loadUsableRunbookFast } from '../known-good.js';
import { resolveTargetsPath, runSession, type RunDeps } from './run-session.js';

export interface RunOptions {
  param: string[];
  targets?: string;
  pair?: string;
  unattended?: boolean;
  approval?: string;
  trustedKeys?: string;
  audit?: string;
  stateDir?: string;
  json?: boolean;
  notify?: string[];
}

/**
 * The runbook a saved plan was made from, as it is on disk now: refused (`RUNBOOK_CHANGED`) when
 * its canonical content no longer hashes to the plan's sha256 — the plan's statements and route
 * would not be the run's.
 */
async function loadPlannedRunbook(saved: SavedPlan): Promise<Usable> {
  const ref = saved.live?.runbookRef ?? saved.runbook.name;
  const usable = await loadUsableRunbookFast(ref);
  if (usable.sha256 !== saved.runbook.sha256) {
    throw new AgmedicError(
      'RUNBOOK_CHANGED',
      `${ref} changed since the plan was made (sha256 ${saved.runbook.sha256.slice(0, 12)}… → ${usable.sha256.slice(0, 12)}…); refusing to run a plan whose steps may differ: make a new plan`,
      { details: { was: saved.runbook.sha256, now: usable.sha256 } },
    );
  }
  return usable;
}

/** Paths go into the run's manifest: absolute, so `resume` works from any directory. */
const abs = (p: string | undefined): string | undefined => (p === undefined ? undefined : resolve(p));

export async function runCommand(ref: string, opts: RunOptions, output: Output, deps: RunDeps = {}): Promise<number> {
  const env = deps.env ?? process.env;
  const saved = isPlanFile(ref) ? readSavedPlan(ref) : undefined;
  if (saved && opts.param.length) throw new AgmedicError('USAGE', `${ref} is a plan: it carries its parameters (${Object.keys(saved.parameters).join(', ') || 'none'}); drop -p, or make a new plan`);
  const usable = saved ? await loadPlannedRunbook(saved) : await loadUsableRunbookFast(existsSync(ref) ? resolve(ref) : ref);
  return runSession(
    {
      usable,
      rawParameters: saved ? Object.fromEntries(Object.entries(saved.parameters).map(([k, v]) => [k, String(v)])) : parseParamPairs(opts.param),
      ...(saved ? { savedPlan: { path: resolve(ref), plan: saved } } : {}),
      targetsFile: abs(resolveTargetsPath(opts.targets, env)),
      ...(opts.pair === undefined ? {} : { pair: opts.pair }),
      auditFile: abs(opts.audit),
      stateDir: abs(opts.stateDir),
      unattended: opts.unattended ?? false,
      ...(opts.approval === undefined ? {} : { approvalFile: abs(opts.approval)! }),
      ...(opts.trustedKeys === undefined ? {} : { trustedKeysFile: abs(opts.trustedKeys)! }),
      json: opts.json ?? false,
      ...(opts.notify?.length ? { notify: opts.notify } : {}),
    },
    output,
    deps,
  );
}
