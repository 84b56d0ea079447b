import { z } from 'zod';

/** Environment variable names only: the file says where a secret is, never what it is. */
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be the name of an environment variable' });
const name = z.string().min(1);

export const ROLE_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

const sqlAuth = z.strictObject({ type: z.literal('sql'), user: name, passwordEnv: envName });
const entraAuth = z.strictObject({
  type: z.literal('entra'),
  credential: z.enum(['default', 'azure-cli', 'managed-identity', 'environment']).default('default'),
  clientId: name.optional(),
});
const ntlmAuth = z.strictObject({ type: z.literal('ntlm'), domain: name, user: name, passwordEnv: envName });

const azure = z.strictObject({
  subscriptionId: name,
  resourceGroup: name,
  instance: name,
  // Plain http would send the bearer token in clear; the lab serves https with its own CA.
  endpoint: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }).optional(),
  caFile: name.optional(),
  tokenEnv: envName.optional(),
});

const target = z.strictObject({
  server: name,
  port: z.number().int().min(1).max(65535).default(1433),
  database: name.optional(),
  encrypt: z.union([z.boolean(), z.literal('strict')], { error: 'must be true, false or strict' }).default(true),
  trustServerCertificate: z.boolean().default(false),
  caFile: name.optional(),
  connectTimeoutMs: z.number().int().positive().default(15_000),
  requestTimeoutMs: z.number().int().positive().default(30_000),
  auth: z.discriminatedUnion('type', [sqlAuth, entraAuth, ntlmAuth], { error: 'auth.type must be sql, entra or ntlm' }),
  connectionString: z.string().optional(),
  azure: azure.optional(),
});

export const targetsFileSchema = z.strictObject({
  targets: z.record(z.string().regex(ROLE_PATTERN, { error: 'a role is a letter then letters, digits, _ or -' }), target),
});

export type TargetsFileInput = z.output<typeof targetsFileSchema>;
