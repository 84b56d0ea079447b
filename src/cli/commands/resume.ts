/**
 * `agmedic resume RUN_ID [--state-dir DIR] [--json]`: continues an interrupted run from its journal.
 * Refuses when the runbook file changed since the run started (RUNBOOK_CHANGED).
 */
import { defaultStateDir, fileJournalStore } from '../../adapters/file-journal.js';
import { AgmedicError } from '../../errors.js';
import type { Output } from '../output.js';
import { loadUsableRunbookFast } from '../known-good.js';
import { runSession, sha256, type RunDeps } from './run-session.js';

export interface ResumeOptions {
  stateDir?: string;
  json?: boolean;
}

export async function resumeCommand(runId: string, opts: ResumeOptions, output: Output, deps: RunDeps = {}): Promise<number> {
  const env = deps.env ?? process.env;
  const store = fileJournalStore(opts.stateDir ?? defaultStateDir(env));
  const journal = await store.open(runId);
  const state = await journal.read();
  await journal.close();
  const { manifest, entries } = state;
  const status = [...entries].reverse().find((e) => e.type === 'status');
  if (status?.type === 'status' && status.status === 'finished') {
    throw new AgmedicError('USAGE', `run ${runId} already finished (${status.outcome ?? '?'}: ${status.message ?? ''}); nothing to resume`);
  }
  const usable = await loadUsableRunbookFast(manifest.runbook.ref);
  const now = sha256(usable.source.text);
  if (now !== manifest.runbook.fileSha256) {
    throw new AgmedicError('RUNBOOK_CHANGED', `${manifest.runbook.ref} changed since run ${runId} started (sha256 ${manifest.runbook.fileSha256.slice(0, 12)}… → ${now.slice(0, 12)}…); refusing to resume a run whose steps may differ`, {
      details: { runId, was: manifest.runbook.fileSha256, now },
    });
  }
  return runSession(
    {
      usable,
      rawParameters: manifest.rawParameters,
      targetsFile: manifest.targetsFile,
      ...(manifest.pair === undefined ? {} : { pair: manifest.pair }),
      auditFile: manifest.auditFile,
      stateDir: opts.stateDir,
      unattended: manifest.mode === 'unattended',
      ...(manifest.approvalFile === undefined ? {} : { approvalFile: manifest.approvalFile }),
      ...(manifest.trustedKeysFile === undefined ? {} : { trustedKeysFile: manifest.trustedKeysFile }),
      json: opts.json ?? false,
      resume: { manifest, entries, ...(state.snapshot === undefined ? {} : { snapshot: state.snapshot }), ...(state.facts === undefined ? {} : { facts: state.facts }) },
    },
    output,
    deps,
  );
}
