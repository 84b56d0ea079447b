#!/usr/bin/env node
// Thin launcher: the CLI is bundled to dist/ so a cold start reads a few files, not hundreds.
// Node ≥ 22.1 can keep V8's compiled code for those files on disk (in the OS temp folder,
// checked against each file's content): later starts skip most parsing and compiling, about a
// sixth of `plan`'s CPU time. Node 20 has no such cache; the call is skipped there.
import module from 'node:module';

try {
  module.enableCompileCache?.();
} catch {
  // an unwritable cache folder only costs speed
}
import('../dist/cli.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli.js')) {
    process.stderr.write('agmedic: dist/ is missing; run `npm run build` first.\n');
    process.exit(70);
  }
  throw err;
});
