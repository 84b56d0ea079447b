/**
 * The lab's public defaults, apart from start-lab.ts: `lab up`'s main thread needs them but must
 * not load the lab itself (its SQL engine, its model).
 */
export const LAB_DEFAULT_PASSWORD = 'agmedic-lab';

/** The names the lab's one certificate is made for (every listener serves it). */
export function labCertificateHosts(host = '127.0.0.1'): string[] {
  return [...new Set(['localhost', '127.0.0.1', host])];
}
