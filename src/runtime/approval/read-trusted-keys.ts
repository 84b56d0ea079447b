import { readdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { AgmedicError } from '../../errors.js';
import { keyIdOf, parsePublicKey } from './keys.js';
import type { TrustedKey } from './types.js';

/** `$AGMEDIC_HOME/trusted-keys/`, by default `~/.agmedic/trusted-keys/`. */
export function defaultTrustedKeysDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return join(env.AGMEDIC_HOME || join(homedir(), '.agmedic'), 'trusted-keys');
}

/**
 * Reads trusted public keys: every `*.pub` in a folder, or the given files. The key id is computed
 * from each key, never taken from the file name. A missing default folder means no trusted keys
 * (so unattended runs are refused); a folder or file others can write to is refused with
 * `TRUSTED_KEYS` (an approval exit code), since whoever can add a key there can approve anything.
 *
 * @example
 * const keys = await readTrustedKeys();                       // ~/.agmedic/trusted-keys/*.pub
 * const keys2 = await readTrustedKeys(['ops-team.pub']);
 */
export async function readTrustedKeys(dirOrFiles: string | readonly string[] = defaultTrustedKeysDir()): Promise<TrustedKey[]> {
  let files: string[];
  if (typeof dirOrFiles === 'string') {
    let names: string[];
    try {
      await checkNotWritableByOthers(dirOrFiles);
      names = await readdir(dirOrFiles);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      if (err instanceof AgmedicError) throw err;
      throw new AgmedicError('TRUSTED_KEYS', `cannot read trusted keys in ${dirOrFiles}: ${(err as Error).message}`, { cause: err });
    }
    files = names.filter((n) => n.endsWith('.pub')).sort().map((n) => join(dirOrFiles, n));
  } else {
    files = [...dirOrFiles];
  }
  const keys: TrustedKey[] = [];
  for (const file of files) {
    let pem: string;
    try {
      await checkNotWritableByOthers(file);
      pem = await readFile(file, 'utf8');
    } catch (err) {
      if (err instanceof AgmedicError) throw err;
      throw new AgmedicError('TRUSTED_KEYS', `cannot read trusted key ${file}: ${(err as Error).message}`, { cause: err });
    }
    let key;
    try {
      key = parsePublicKey(pem, file);
    } catch (err) {
      throw err instanceof AgmedicError ? new AgmedicError('TRUSTED_KEYS', err.message, { cause: err }) : err;
    }
    keys.push({ keyId: keyIdOf(key), publicKeyPem: pem, source: file });
  }
  return keys;
}

async function checkNotWritableByOthers(path: string): Promise<void> {
  if (process.platform === 'win32') return; // POSIX modes mean nothing there
  const { mode } = await stat(path);
  if (mode & 0o022) {
    throw new AgmedicError('TRUSTED_KEYS', `${path} is writable by group or others (mode ${(mode & 0o777).toString(8)}); trusted keys must be writable only by their owner`);
  }
}
