import { describe, expect, it } from 'vitest';
import { looksLikeSecretKey } from '../../src/ports/secret-keys.js';

describe('looksLikeSecretKey', () => {
  it.each(['password', 'Password', 'pasword', 'Passwrd', 'passowrd', 'pssword', 'PWD', 'pwd', 'passwd', 'pass', 'secret', 'secrte', 'clientSecret', 'apiKey', 'sasKey', 'token', 'access_token', 'pass-word'])('%s is secret-like', (k) => {
    expect(looksLikeSecretKey(k)).toBe(true);
  });
  it.each(['server', 'port', 'user', 'passwordEnv', 'PASSWORD_ENV', 'database', 'encrypt', 'caFile', 'auth', 'type', 'credential', 'open', 'role', 'text', 'select', 'subscriptionId', 'resourceGroup', 'instance', 'trustServerCertificate'])('%s is not', (k) => {
    expect(looksLikeSecretKey(k)).toBe(false);
  });
});
