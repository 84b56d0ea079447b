import tls from 'node:tls';
import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateLabCertificate } from '../../../src/lab/tds/index.js';
import { startLab, type Lab } from './harness.js';

let lab: Lab;
let ca: string;
beforeAll(async () => {
  const pems = await generateLabCertificate(['localhost', '127.0.0.1']);
  ca = pems.ca;
  expect(pems.cert).not.toBe(pems.ca); // a CA plus a leaf, not one self-signed certificate
  lab = await startLab({ tls: { key: pems.key, cert: pems.cert } });
});
afterAll(async () => {
  await lab.stop();
});

describe('TDS 8.0 strict', () => {
  it('serves mssql with encrypt: strict when the client trusts the lab CA', async () => {
    const pool = await lab.connect({ options: { encrypt: 'strict' as unknown as boolean, cryptoCredentialsDetails: { ca } } });
    expect((await pool.request().query('SELECT 1')).recordset).toEqual([{ '': 1 }]);
    const echoed = await pool.request().input('s', sql.NVarChar(sql.MAX), 'z'.repeat(70_000)).query('ECHO');
    expect((echoed.recordsets as unknown as Record<string, unknown>[][])[0]![0]!.s).toBe('z'.repeat(70_000));
  });

  it('negotiates ALPN tds/8.0 and a certificate valid for 127.0.0.1', async () => {
    const socket = tls.connect({ host: '127.0.0.1', port: lab.server.port, ca, ALPNProtocols: ['tds/8.0'] });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    expect(socket.alpnProtocol).toBe('tds/8.0');
    expect(socket.authorized).toBe(true);
    socket.destroy();
  });

  it('fails when the client does not trust the CA (the certificate is really checked)', async () => {
    const err = await new sql.ConnectionPool(lab.config({ options: { encrypt: 'strict' as unknown as boolean } })).connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(sql.ConnectionError);
    expect(String((err as Error).message)).toMatch(/self.signed|unable to verify|certificate/i);
  });
});
