#!/usr/bin/env node
// The ESM bundle's entry (dist/cli.js), imported by bin/agmedic.js.
import { start } from './boot/start.js';

await start(process.argv.slice(2));
