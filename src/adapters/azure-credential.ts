import type { TokenCredential } from '@azure/identity';
import { Secret } from '../ports/secret.js';
import type { AzureTargetConfig } from '../ports/azure-link.js';
import type { AuthConfig, EntraCredentialKind } from '../ports/sql-target.js';

/** How long a static lab token claims to live; the lab emulator does not check expiry. */
const STATIC_TOKEN_LIFETIME_MS = 3_600_000;

/**
 * An Entra ID credential from `@azure/identity`, by the targets file's name for it. The SDK
 * (~0.3 s of CPU to load) is imported on the first token request, not here: a run whose Entra
 * target is never reached, and every SQL-authenticated command, do not pay for it.
 *
 * @example
 * const credential = createEntraCredential('managed-identity', '00000000-aaaa-bbbb-cccc-000000000000');
 */
export function createEntraCredential(kind: EntraCredentialKind = 'default', clientId?: string): TokenCredential {
  let real: Promise<TokenCredential> | undefined;
  const load = async (): Promise<TokenCredential> => {
    const { AzureCliCredential, DefaultAzureCredential, EnvironmentCredential, ManagedIdentityCredential } = await import('./azure-identity-sdk.js');
    switch (kind) {
      case 'azure-cli':
        return new AzureCliCredential();
      case 'managed-identity':
        return clientId === undefined ? new ManagedIdentityCredential() : new ManagedIdentityCredential({ clientId });
      case 'environment':
        return new EnvironmentCredential();
      case 'default':
        return new DefaultAzureCredential(clientId === undefined ? {} : { managedIdentityClientId: clientId });
    }
  };
  return { getToken: async (scopes, options) => (await (real ??= load())).getToken(scopes, options) };
}

/**
 * A credential that always hands out one bearer token. Only the lab uses it (`azure.tokenEnv`):
 * the token stays a {@link Secret} until the pipeline's auth policy asks for it.
 *
 * @example
 * const credential = staticTokenCredential(Secret.fromEnv('AGMEDIC_LAB_ARM_TOKEN'));
 */
export function staticTokenCredential(token: Secret): TokenCredential {
  return {
    getToken: async () => ({ token: token.reveal(), expiresOnTimestamp: Date.now() + STATIC_TOKEN_LIFETIME_MS }),
  };
}

/**
 * The credential for a target's ARM calls: the lab token when `azure.tokenEnv` is set, else the
 * target's Entra credential kind (or DefaultAzureCredential when the SQL side signs in otherwise).
 * `SECRET_MISSING` names the variable when the lab token is not set.
 *
 * @example
 * const link = openAzureLink('mi', target.azure!, azureCredentialFor(target.azure!, target.auth));
 */
export function azureCredentialFor(azure: AzureTargetConfig, auth?: AuthConfig, env: Readonly<Record<string, string | undefined>> = process.env): TokenCredential {
  if (azure.tokenEnv !== undefined) return staticTokenCredential(Secret.fromEnv(azure.tokenEnv, env));
  return auth?.type === 'entra' ? createEntraCredential(auth.credential, auth.clientId) : createEntraCredential('default');
}
