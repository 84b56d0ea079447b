/**
 * Run by scripts/build.mjs on the freshly built bundle: checks every shipped runbook with the
 * bundled checker and stores each one that has no error as a known-good entry
 * (src/cli/known-good.ts), so `plan`/`graph`/`validate` of a shipped runbook start without the
 * YAML parsers, zod and the compiler.
 *
 * Usage: node dist/tools/write-known-good.js <runbooks-dir> <entries-dir>
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeKnownGood } from '../src/cli/known-good.js';
import { checkSource } from '../src/cli/load-and-compile.js';
import { readRunbookSource } from '../src/runbook/read-runbook.js';
import { runbookSha256 } from '../src/runbook/canonical.js';

const [runbooksDir, entriesDir] = process.argv.slice(2);
if (!runbooksDir || !entriesDir) throw new Error('usage: write-known-good <runbooks-dir> <entries-dir>');
let written = 0;
for (const file of readdirSync(runbooksDir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
  // Entries are keyed by text alone (diagnostics get the reader's source back), so the name does not matter.
  const checked = checkSource(readRunbookSource(join(runbooksDir, file), { runbooksDir }));
  if (checked.runbook && writeKnownGood(checked, runbookSha256(checked.runbook), entriesDir)) written++;
}
console.log(`known-good: ${written} shipped runbooks`);
