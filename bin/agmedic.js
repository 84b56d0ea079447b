#!/usr/bin/env node
// Thin launcher: the CLI is bundled to dist/ so a cold start reads one file, not hundreds.
import('../dist/cli.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli.js')) {
    process.stderr.write('agmedic: dist/ is missing; run `npm run build` first.\n');
    process.exit(70);
  }
  throw err;
});
