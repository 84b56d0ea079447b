/** The resolved targets file. The per-target types live with the ports so adapters can read them. */
import type { TargetConfig } from '../../ports/sql-target.js';

export type {
  AuthConfig,
  EncryptMode,
  EntraAuthConfig,
  EntraCredentialKind,
  NtlmAuthConfig,
  PasswordAuthConfig,
  SqlAuthConfig,
  TargetConfig,
} from '../../ports/sql-target.js';
export type { AzureTargetConfig } from '../../ports/azure-link.js';

export interface TargetsConfig {
  /** The file as the user named it. */
  path: string;
  targets: Record<string, TargetConfig>;
}
