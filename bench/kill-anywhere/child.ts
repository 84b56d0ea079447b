/**
 * The process the kill-anywhere campaign SIGKILLs: `agmedic run … --unattended` or `agmedic resume
 * RUN_ID` through the very command functions the CLI calls, with one difference — the runbook's
 * waits (intervals of 2–10 s) run on the lab's clock, as in test/e2e, so a trial takes seconds,
 * not minutes. Everything that decides exactly-once (journal, audit, in-doubt resolution, locks,
 * the mssql and ARM clients) is the shipped code.
 *
 * Usage (bundled by the campaign): node child.js run '<json spec>' | node child.js resume RUN_ID
 * Prints the command's --json report on stdout; the exit status is the CLI's.
 */
import { runCommand } from '../../src/cli/commands/run.js';
import { resumeCommand } from '../../src/cli/commands/resume.js';
import { exitCodeFor } from '../../src/cli/exit-codes.js';
import { processOutput } from '../../src/cli/output.js';
import { isAgmedicError } from '../../src/errors.js';
import type { Timers } from '../../src/ports/timers.js';

export interface ChildRunSpec {
  runbook: string;
  params: Record<string, string>;
  targets: string;
  approval: string;
  trustedKeys: string;
}

const speed = Number(process.env.AGMEDIC_KA_SPEED ?? '100');
const timers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, Math.max(1, Math.round(ms / speed))),
  clearTimeout: (id) => clearTimeout(id as NodeJS.Timeout),
};

async function main(argv: string[]): Promise<number> {
  const [mode, arg] = argv;
  const deps = { env: process.env, interactive: false, timers };
  const output = processOutput();
  try {
    if (mode === 'run') {
      const spec = JSON.parse(arg ?? '{}') as ChildRunSpec;
      return await runCommand(
        spec.runbook,
        { param: Object.entries(spec.params).map(([k, v]) => `${k}=${v}`), targets: spec.targets, unattended: true, approval: spec.approval, trustedKeys: spec.trustedKeys, json: true },
        output,
        deps,
      );
    }
    if (mode === 'resume' && arg) return await resumeCommand(arg, { json: true }, output, deps);
    output.err('usage: child.js run SPEC | child.js resume RUN_ID');
    return 2;
  } catch (err) {
    // The CLI's own mapping: a coded error is a documented exit status, anything else is 70.
    if (isAgmedicError(err)) {
      output.out(JSON.stringify({ outcome: 'error', code: err.code, message: err.message }));
      return exitCodeFor(err.code);
    }
    output.err(String((err as Error)?.stack ?? err));
    return 70;
  }
}

process.exit(await main(process.argv.slice(2)));
