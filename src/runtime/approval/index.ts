/**
 * Signed approvals for unattended runs (Ed25519, node:crypto).
 *
 * @example
 * import { readApprovalFile, readTrustedKeys, verifyApproval } from './approval/index.js';
 * verifyApproval(await readApprovalFile(file), {
 *   trustedKeys: await readTrustedKeys(), runbook: { name, sha256 }, targets, parameters, now: clock.now(),
 * });
 */
export { generateKeyPair, keyIdOf, writeKeyPair, parsePublicKey, parsePrivateKey } from './keys.js';
export { signApproval } from './sign-approval.js';
export { verifyApproval } from './verify-approval.js';
export { readApprovalFile } from './read-approval-file.js';
export { readTrustedKeys, defaultTrustedKeysDir } from './read-trusted-keys.js';
export { assertApprovalShape } from './check-approval-shape.js';
export { authorizeUnattended, approvalArmName, approvalServerName, normaliseApprovalServer, type ApprovalTarget, type Authorized, type UnattendedRequest } from './authorize-unattended.js';
export { approvalIdOf, assertNotRevoked, readRevokedIds, revocationFiles } from './revocation.js';
export type { Approval, ApprovalContext, ApprovalInput, KeyPair, ParameterConstraint, TrustedKey } from './types.js';
