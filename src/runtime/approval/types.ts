/**
 * A signed approval lets `agmedic run --unattended` act without a person at the keyboard. It is
 * an allow-list: it binds one runbook's exact content, the servers it may touch and a constraint
 * for every parameter; anything it does not name is refused.
 */

/** A parameter's allowed values; every field given must hold. At least one field is required. */
export interface ParameterConstraint {
  equals?: string | number | boolean;
  oneOf?: Array<string | number | boolean>;
  /** A regular expression the whole (string) value must match. */
  pattern?: string;
  min?: number;
  max?: number;
}

/** The approval document, as written to a `.approval.json` file. */
export interface Approval {
  version: 1;
  runbook: { name: string; sha256: string };
  /** Server names as in the targets file, e.g. "127.0.0.1,11433"; compared case-insensitively. */
  targets: string[];
  parameters: Record<string, ParameterConstraint>;
  approver: string;
  issuedAt: string;
  expiresAt: string;
  /** Identifies the signing key; see `keyIdOf`. */
  keyId: string;
  /** Base64 Ed25519 signature over the canonical JSON of every other field. */
  signature: string;
}

/** What the approver decides; {@link signApproval} adds version, keyId and signature. */
export interface ApprovalInput {
  runbook: { name: string; sha256: string };
  targets: string[];
  parameters: Record<string, ParameterConstraint>;
  approver: string;
  issuedAt: Date | string;
  expiresAt: Date | string;
}

export interface TrustedKey {
  keyId: string;
  publicKeyPem: string;
  /** Where it was read from, for messages. */
  source?: string;
}

/** What a run is about to do, checked against an approval. */
export interface ApprovalContext {
  trustedKeys: readonly TrustedKey[];
  runbook: { name: string; sha256: string };
  /** Server names of every target the run will connect to. */
  targets: readonly string[];
  parameters: Readonly<Record<string, unknown>>;
  now: Date;
}

export interface KeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
  keyId: string;
}
