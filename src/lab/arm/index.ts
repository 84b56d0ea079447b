/**
 * The lab's HTTPS emulator of the Managed Instance link resource for the real `@azure/arm-sql` client,
 * and the port ({@link ArmLinkBackend}) through which it reads and changes the lab's links.
 *
 * @example
 * import { createWorldArmBackend, createWorldInstanceBackend, startArmEmulator } from './lab/arm/index.js';
 * const arm = await startArmEmulator({ backend: createWorldArmBackend(world), instance: createWorldInstanceBackend(world), token: 'lab-token', tls: { key, cert } });
 * console.log(arm.url, arm.requests.length);
 */
export { startArmEmulator } from './start-arm-emulator.js';
export { createWorldArmBackend } from './create-world-arm-backend.js';
export { createWorldInstanceBackend } from './create-world-instance-backend.js';
export { RESOURCE_TYPE } from './render-link.js';
export {
  ArmBackendError,
  ARM_API_VERSIONS,
  CURRENT_API_VERSIONS,
  LEGACY_API_VERSIONS,
  type ArmApiVersion,
  type ArmClock,
  type ArmEmulator,
  type ArmEmulatorOptions,
  type ArmInstanceBackend,
  type ArmInstanceState,
  type ArmTrustCertificate,
  type DatabaseFormat,
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
