/**
 * The lab's HTTPS emulator of the Managed Instance link resource for the real `@azure/arm-sql` client,
 * and the port ({@link ArmLinkBackend}) through which it reads and changes the lab's links.
 *
 * @example
 * import { createMemoryArmBackend, startArmEmulator } from './lab/arm/index.js';
 * const arm = await startArmEmulator({ backend: createMemoryArmBackend(), token: 'lab-token', tls: { key, cert } });
 * console.log(arm.url, arm.requests.length);
 */
export { startArmEmulator } from './start-arm-emulator.js';
export { createMemoryArmBackend, type MemoryArmSeed } from './memory-backend.js';
export { deriveLegacyFields, type ArmLinkCore, type LegacyLinkFields } from './derive-legacy-fields.js';
export { RESOURCE_TYPE } from './render-link.js';
export {
  ArmBackendError,
  CURRENT_API_VERSIONS,
  LEGACY_API_VERSIONS,
  type ArmApiVersion,
  type ArmClock,
  type ArmEmulator,
  type ArmEmulatorOptions,
  type ArmLinkBackend,
  type ArmLinkDatabase,
  type ArmLinkInput,
  type ArmLinkPatch,
  type ArmLinkState,
  type ArmRequestRecord,
  type FailoverMode,
  type FailoverType,
  type LinkRole,
  type ReplicationMode,
  type RoleChangeType,
  type SeedingMode,
} from './types.js';
