import { createHash } from 'node:crypto';

/**
 * Deterministic identifiers: GUIDs, thumbprints and key blobs derive from a seed and a label, so a
 * scenario produces the same group_id and thumbprints on every run (no Math.random).
 *
 * @example
 * deterministicGuid('lab', 'SalesLink') // 'A1B2…' uppercase, SQL Server style
 */
export function deterministicGuid(seed: string, label: string): string {
  const h = createHash('sha256').update(`${seed}\0guid\0${label}`).digest('hex').toUpperCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Bytes derived from seed and label; stands in for DER-encoded public keys in the lab. */
export function deterministicBytes(seed: string, label: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let filled = 0;
  for (let block = 0; filled < length; block++) {
    const h = createHash('sha256').update(`${seed}\0bytes\0${label}\0${block}`).digest();
    const take = Math.min(h.length, length - filled);
    out.set(h.subarray(0, take), filled);
    filled += take;
  }
  return out;
}

/** SHA-1 of the encoded certificate, as sys.certificates.thumbprint. */
export function thumbprintOf(publicKey: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha1').update(publicKey).digest());
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

const VLF_BYTES = 64 * 1024 * 1024;
const FIRST_VLF = 37;

/**
 * Maps a log position in bytes to an LSN in decimal(25,0) form: VLF sequence × 10^15 + log block × 10^5
 * + slot. Positions are what the dynamics add and subtract; LSNs only appear in views.
 *
 * @example
 * lsnOf(0) // 37000000000000001n
 */
export function lsnOf(pos: number): bigint {
  const p = Math.max(0, Math.floor(pos));
  const vlf = BigInt(FIRST_VLF + Math.floor(p / VLF_BYTES));
  const block = BigInt(Math.floor((p % VLF_BYTES) / 512));
  return vlf * 1_000_000_000_000_000n + block * 100_000n + 1n;
}
