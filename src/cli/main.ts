#!/usr/bin/env node
// The executable's entry: the only place that touches process.exit status.
import { processOutput } from './output.js';
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv.slice(2), processOutput());
