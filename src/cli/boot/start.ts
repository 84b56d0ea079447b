/**
 * Runs the CLI for `argv` and exits with its code: the only place that touches process.exit.
 * Two bundles start here: dist/cli.js (ESM, split per command) and the connected commands'
 * dist/cli-connected-<hash>.cjs (one CommonJS file run through the code cache, see bin/agmedic.js).
 */
import { processOutput } from '../output.js';
import { runCli } from '../program.js';

export async function start(argv: readonly string[]): Promise<never> {
  const code = await runCli(argv, processOutput());
  // Every command awaits its own work (audit fsyncs, journal writes, closing the lab) before it
  // returns, so nothing is left to finish. Exiting explicitly rather than letting the loop drain:
  // after `lab up` closed its servers, Node 20's exit-time handle cleanup was seen spinning at 100%
  // CPU forever (4 of 12 runs of bench/lab.ts), a Ctrl-C that never ends the lab. stdout and stderr
  // are synchronous for files, pipes and terminals on Linux, so nothing printed is lost.
  process.exit(code);
}
