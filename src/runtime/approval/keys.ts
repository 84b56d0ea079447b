/** Ed25519 keys for approvals, with node:crypto only. */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AgmedicError } from '../../errors.js';
import type { KeyPair } from './types.js';

/**
 * A fresh key pair: PKCS#8 private key and SPKI public key, both PEM.
 *
 * @example
 * const { privateKeyPem, publicKeyPem, keyId } = generateKeyPair();
 */
export function generateKeyPair(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    keyId: keyIdOf(publicKey),
  };
}

/**
 * First 16 hex digits of the sha256 of the raw 32-byte public key — short enough to read aloud,
 * and computed from the key itself, so a file name or label can never impersonate another key.
 *
 * @example
 * keyIdOf(publicKeyPem) // 'a3f09c1d2b7e4410'
 */
export function keyIdOf(publicKey: string | KeyObject): string {
  const key = typeof publicKey === 'string' ? parsePublicKey(publicKey, 'public key') : publicKey;
  const raw = Buffer.from(key.export({ format: 'jwk' }).x ?? '', 'base64url');
  return createHash('sha256').update(raw).digest('hex').slice(0, 16);
}

/** Parses an Ed25519 public key PEM; `KEY_FILE` naming `source` otherwise. */
export function parsePublicKey(pem: string, source: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new AgmedicError('KEY_FILE', `${source} is not a PEM public key`, { cause: err });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new AgmedicError('KEY_FILE', `${source} is a ${key.asymmetricKeyType ?? 'non-asymmetric'} key; approvals use Ed25519`);
  }
  return key;
}

/** Parses an Ed25519 private key PEM; `KEY_FILE` otherwise (the message never includes the key). */
export function parsePrivateKey(pem: string, source = 'the private key'): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new AgmedicError('KEY_FILE', `${source} is not a PEM private key`, { cause: err });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new AgmedicError('KEY_FILE', `${source} is a ${key.asymmetricKeyType ?? 'non-asymmetric'} key; approvals use Ed25519`);
  }
  return key;
}

/**
 * Writes a key pair for `agmedic keygen`: the private key 0600, the public key 0644; refuses to
 * overwrite either, since replacing a key silently invalidates every approval it signed.
 *
 * @example
 * await writeKeyPair(generateKeyPair(), { privateKeyPath: 'approver.key', publicKeyPath: 'approver.pub' });
 */
export async function writeKeyPair(pair: KeyPair, paths: { privateKeyPath: string; publicKeyPath: string }): Promise<void> {
  try {
    await mkdir(dirname(paths.privateKeyPath), { recursive: true, mode: 0o700 });
    await mkdir(dirname(paths.publicKeyPath), { recursive: true });
    await writeFile(paths.privateKeyPath, pair.privateKeyPem, { mode: 0o600, flag: 'wx' });
    await writeFile(paths.publicKeyPath, pair.publicKeyPem, { mode: 0o644, flag: 'wx' });
  } catch (err) {
    throw new AgmedicError('KEY_FILE', `cannot write key pair: ${(err as Error).message}`, { cause: err });
  }
}
