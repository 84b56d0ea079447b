/**
 * Shared set-up for the runtime's integration tests: a lab (split-brain) over TCP, a scratch
 * AGMEDIC_HOME with the targets file, and a scripted Prompter at the port level.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLab, type Lab } from '../../../src/lab/index.js';
import type { ConfirmAnswer, ConfirmRequest, DecideAnswer, DecideRequest, Prompter } from '../../../src/ports/prompter.js';

export const FIXTURE = join(import.meta.dirname, '..', '..', 'fixtures', 'run-mechanics.yaml');
/** Distinctive, so finding it in any file agmedic wrote can only mean a leak. */
export const LAB_SECRET = 'pw-leak-canary-7Qx91Zt';

export interface RunLab {
  lab: Lab;
  home: string;
  targets: string;
  statementLog: string;
  env: Record<string, string | undefined>;
  close(): Promise<void>;
}

export async function startRunLab(scenario = 'split-brain'): Promise<RunLab> {
  const home = mkdtempSync(join(tmpdir(), 'agmedic-run-'));
  const statementLog = join(home, 'statements.jsonl');
  const lab = await startLab({ scenario, password: LAB_SECRET, statementLogFile: statementLog });
  const { targets } = lab.writeTargets(join(home, 'targets.yaml'));
  const env = { ...process.env, AGMEDIC_HOME: home, AGMEDIC_LAB_PASSWORD: LAB_SECRET, AGMEDIC_LAB_ARM_TOKEN: lab.armToken, AGMEDIC_OPERATOR: 'tester' };
  return { lab, home, targets, statementLog, env, close: () => lab.close() };
}

/** Statements the lab's SQL Server received whose text matches. */
export function statementsMatching(lab: Lab, pattern: RegExp): string[] {
  return lab.statementLog().filter((s) => pattern.test(s.text)).map((s) => s.text);
}

export function auditRecords(home: string): Array<Record<string, unknown>> {
  return readFileSync(join(home, 'audit.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

export type Script = Array<ConfirmAnswer | DecideAnswer | ((req: ConfirmRequest | DecideRequest) => ConfirmAnswer | DecideAnswer)>;

/** Answers from a list, in order; records every request it was shown. */
export function scriptedPrompter(script: Script): Prompter & { asked: Array<ConfirmRequest | DecideRequest> } {
  const asked: Array<ConfirmRequest | DecideRequest> = [];
  const next = (req: ConfirmRequest | DecideRequest) => {
    asked.push(req);
    const a = script.shift();
    if (a === undefined) throw new Error(`scripted prompter: no answer left for ${req.step}`);
    return typeof a === 'function' ? a(req) : a;
  };
  return {
    kind: 'scripted',
    operator: 'tester',
    asked,
    confirm: async (req) => next(req) as ConfirmAnswer,
    decide: async (req) => next(req) as DecideAnswer,
  };
}
