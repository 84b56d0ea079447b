#!/usr/bin/env node
// The executable's entry: the only place that touches process.exit status.
import { processOutput } from './output.js';
import { runCli } from './program.js';

const code = await runCli(process.argv.slice(2), processOutput());
// Every command awaits its own work (audit fsyncs, journal writes, closing the lab) before it
// returns, so nothing is left to finish. Exiting explicitly rather than letting the loop drain:
// after `lab up` closed its servers, Node 20's exit-time handle cleanup was seen spinning at 100%
// CPU forever (4 of 12 runs of bench/lab.ts), a Ctrl-C that never ends the lab. stdout and stderr
// are synchronous for files, pipes and terminals on Linux, so nothing printed is lost.
process.exit(code);
