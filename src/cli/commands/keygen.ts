/**
 * `agmedic keygen --out DIR [--name NAME]`: an Ed25519 key pair for signing approvals. The private
 * key stays with the approver (mode 0600); the public key goes into the trusted-keys folder of
 * every machine that runs unattended.
 */
import { join } from 'node:path';
import { AgmedicError } from '../../errors.js';
import { defaultTrustedKeysDir, generateKeyPair, writeKeyPair } from '../../runtime/approval/index.js';
import { EXIT } from '../exit-codes.js';
import type { Output } from '../output.js';

export interface KeygenOptions {
  out: string;
  name: string;
  json?: boolean;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export async function keygenCommand(opts: KeygenOptions, output: Output): Promise<number> {
  if (!NAME.test(opts.name)) throw new AgmedicError('USAGE', `--name "${opts.name}": use letters, digits, ".", "_" and "-" (at most 64)`);
  const pair = generateKeyPair();
  const privateKeyPath = join(opts.out, `${opts.name}.key`);
  const publicKeyPath = join(opts.out, `${opts.name}.pub`);
  await writeKeyPair(pair, { privateKeyPath, publicKeyPath });
  if (opts.json) {
    output.out(JSON.stringify({ keyId: pair.keyId, privateKey: privateKeyPath, publicKey: publicKeyPath }, null, 2));
    return EXIT.ok;
  }
  output.out(
    [
      `key id       ${pair.keyId}`,
      `private key  ${privateKeyPath}  (mode 0600: keep it with the approver, never on the machine that runs unattended)`,
      `public key   ${publicKeyPath}`,
      '',
      `Trust it where unattended runs happen:  cp ${publicKeyPath} ${defaultTrustedKeysDir()}/`,
      `Sign an approval:  agmedic approve RUNBOOK -p name=value --key ${privateKeyPath} --approver NAME --targets SERVER --out approval.json`,
    ].join('\n'),
  );
  return EXIT.ok;
}
