#!/usr/bin/env node
// Thin launcher: the CLI is bundled to dist/ so a cold start reads a few files, not hundreds.
// Node ≥ 22.1 can keep V8's compiled code for those files on disk (in the OS temp folder,
// checked against each file's content): later starts skip most parsing and compiling, about a
// sixth of `plan`'s CPU time. Node 20 has no such cache; the call is skipped there.
import module from 'node:module';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

try {
  module.enableCompileCache?.();
} catch {
  // an unwritable cache folder only costs speed
}

const argv = process.argv.slice(2);
const dist = new URL('../dist/', import.meta.url);

/**
 * The commands that connect to servers, the lab and `plan` start from one CommonJS bundle run
 * through agmedic's own code cache (dist/boot/vendor-loader.js: Node 20 has none, Node's caches
 * nothing a command compiles after loading); the other offline commands from the ES module
 * chunks, which load less for them (measured: `plan` ~1.9× → ~1.65× bare node through the cache;
 * `--version` ~1.25× → ~1.4×, validate/graph/schema/list alike either way).
 */
function connects(args) {
  const command = args.find((a) => !a.startsWith('-'));
  return command === 'run' || command === 'resume' || command === 'diagnose' || command === 'lab' || command === 'plan';
}

function missing(err) {
  if (err && (err.code === 'ERR_MODULE_NOT_FOUND' || err.code === 'ENOENT') && /dist[\\/](cli\.js|cli-connected-|boot)/.test(`${err.message} ${err.path ?? ''}`)) {
    process.stderr.write('agmedic: dist/ is missing; run `npm run build` first.\n');
    process.exit(70);
  }
  throw err;
}

/** `lab up` as the user started it (not the lab's own process, which runs this same file). */
function isLabUpHere(args) {
  const words = args.filter((a) => !a.startsWith('-'));
  return words[0] === 'lab' && words[1] === 'up' && process.env.AGMEDIC_LAB_SUPERVISOR === undefined;
}

if (isLabUpHere(argv)) {
  // The lab's process is started before anything else loads (dist/boot/lab-supervisor.js).
  const { superviseLab } = await import('../dist/boot/lab-supervisor.js').catch(missing);
  process.exit(await superviseLab(argv, fileURLToPath(import.meta.url)));
} else if (connects(argv)) {
  let boot;
  try {
    boot = JSON.parse(readFileSync(new URL('boot.json', dist), 'utf8'));
  } catch (err) {
    missing(err);
  }
  const { loadVendor, distDir } = await import('../dist/boot/vendor-loader.js').catch(missing);
  let cli;
  try {
    cli = loadVendor(boot.connected, distDir());
  } catch (err) {
    missing(err);
  }
  await cli.start(argv);
} else {
  await import('../dist/cli.js').catch(missing);
}
