import { isIP } from 'node:net';
import { AgmedicError } from '../../errors.js';

export interface LabCertificate {
  /** The leaf's private key (PEM), for {@link TdsServerOptions.tls}. */
  key: string;
  /** The leaf certificate (PEM), signed by `ca`. */
  cert: string;
  /** The lab CA certificate (PEM) clients must trust, e.g. tedious `cryptoCredentialsDetails: { ca }`. */
  ca: string;
}

/**
 * Creates a throw-away CA and a server certificate signed by it whose SANs are `hostnames`
 * (DNS names or IP addresses), valid for one day. Clients trust the CA, never the leaf, as they
 * would a real enterprise CA. Async because selfsigned 5 generates keys with WebCrypto.
 *
 * @example
 * const pems = await generateLabCertificate(['localhost', '127.0.0.1']);
 * const server = await startTdsServer({ engine, tls: { key: pems.key, cert: pems.cert } });
 * // mssql: { options: { encrypt: 'strict', cryptoCredentialsDetails: { ca: pems.ca } } }
 */
export async function generateLabCertificate(hostnames: string[]): Promise<LabCertificate> {
  if (hostnames.length === 0) throw new AgmedicError('LAB_TLS', 'a lab certificate needs at least one host name');
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + 24 * 3600_000);
  const common = { keyType: 'ec' as const, curve: 'P-256' as const, algorithm: 'sha256', notBeforeDate, notAfterDate };
  try {
    // Loaded here, not with the module: a lab given its certificate (`lab up` makes it on its main
    // thread) never loads the generator.
    const { generate } = await import('selfsigned');
    const ca = await generate([{ name: 'commonName', value: 'agmedic lab CA' }], {
      ...common,
      extensions: [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
      ],
    });
    const leaf = await generate([{ name: 'commonName', value: hostnames[0]! }], {
      ...common,
      ca: { key: ca.private, cert: ca.cert },
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: hostnames.map((h) => (isIP(h) ? { type: 7 as const, ip: h } : { type: 2 as const, value: h })),
        },
      ],
    });
    return { key: leaf.private, cert: leaf.cert, ca: ca.cert };
  } catch (err) {
    throw new AgmedicError('LAB_TLS', `could not generate the lab certificate: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
