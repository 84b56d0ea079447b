import { z } from 'zod';
import { ArmBackendError, type ArmLinkInput, type ArmLinkPatch, type FailoverType, type LinkRole, type RoleChangeType } from './types.js';

/** ARM matches enum values case-insensitively and answers with the canonical spelling. */
function enumOf<const T extends string>(values: readonly T[]) {
  return z.string().transform((value, ctx): T => {
    const found = values.find((v) => v.toLowerCase() === value.toLowerCase());
    if (found === undefined) {
      ctx.addIssue({ code: 'custom', message: `must be one of ${values.join(', ')}, not "${value}"` });
      return z.NEVER;
    }
    return found;
  });
}

const replicationMode = enumOf(['Async', 'Sync']);
const linkRole = enumOf(['Primary', 'Secondary']);
const failoverMode = enumOf(['None', 'Manual']);
const seedingMode = enumOf(['Automatic', 'Manual']);
const name = z.string().min(1).max(128);

const legacyCreate = z.object({
  properties: z.object({
    targetDatabase: name,
    sourceEndpoint: z.string().min(1),
    primaryAvailabilityGroupName: name,
    secondaryAvailabilityGroupName: name,
    replicationMode: replicationMode.optional(),
  }),
});

const currentCreate = z.object({
  properties: z.object({
    partnerAvailabilityGroupName: name,
    partnerEndpoint: z.string().min(1),
    instanceAvailabilityGroupName: name,
    databases: z.array(z.object({ databaseName: name })).min(1),
    replicationMode: replicationMode.optional(),
    instanceLinkRole: linkRole.optional(),
    failoverMode: failoverMode.optional(),
    seedingMode: seedingMode.optional(),
  }),
});

// Read-only and create-only properties in a PATCH are dropped, not refused: clients PATCH what they GET.
const legacyPatch = z.object({ properties: z.object({ replicationMode }) });
const currentPatch = z.object({
  properties: z
    .object({ replicationMode: replicationMode.optional(), failoverMode: failoverMode.optional(), seedingMode: seedingMode.optional() })
    .refine((p) => Object.values(p).some((v) => v !== undefined), 'needs replicationMode, failoverMode or seedingMode'),
});

const failoverBody = z.object({ failoverType: enumOf(['Planned', 'ForcedAllowDataLoss']) });
const setRoleBody = z.object({ instanceRole: linkRole, roleChangeType: enumOf(['Planned', 'Forced']) });

function parse<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  if (body === undefined) throw new ArmBackendError(400, 'InvalidRequestContent', 'the request needs a JSON body');
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const where = issue.path.length > 0 ? issue.path.join('.') : 'body';
  throw new ArmBackendError(400, 'InvalidParameterValue', `${where}: ${issue.message}`);
}

/**
 * The PUT body of either shape, in the newer vocabulary: in the old api-versions the target database,
 * SQL Server's endpoint and AG ("primary") and the instance's AG ("secondary") name the same things.
 */
export function parseCreateBody(body: unknown, legacy: boolean): ArmLinkInput {
  if (legacy) {
    const p = parse(legacyCreate, body).properties;
    return {
      partnerAvailabilityGroupName: p.primaryAvailabilityGroupName,
      partnerEndpoint: p.sourceEndpoint,
      instanceAvailabilityGroupName: p.secondaryAvailabilityGroupName,
      databases: [p.targetDatabase],
      replicationMode: p.replicationMode ?? 'Async',
      instanceLinkRole: 'Secondary',
      failoverMode: 'None',
      seedingMode: 'Automatic',
    };
  }
  const p = parse(currentCreate, body).properties;
  return {
    partnerAvailabilityGroupName: p.partnerAvailabilityGroupName,
    partnerEndpoint: p.partnerEndpoint,
    instanceAvailabilityGroupName: p.instanceAvailabilityGroupName,
    databases: p.databases.map((d) => d.databaseName),
    replicationMode: p.replicationMode ?? 'Async',
    instanceLinkRole: p.instanceLinkRole ?? 'Secondary',
    failoverMode: p.failoverMode ?? 'None',
    seedingMode: p.seedingMode ?? 'Automatic',
  };
}

export function parsePatchBody(body: unknown, legacy: boolean): ArmLinkPatch {
  const p = legacy ? parse(legacyPatch, body).properties : parse(currentPatch, body).properties;
  return Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as ArmLinkPatch;
}

export function parseFailoverBody(body: unknown): FailoverType {
  return parse(failoverBody, body).failoverType;
}

export function parseSetRoleBody(body: unknown): { instanceRole: LinkRole; roleChangeType: RoleChangeType } {
  return parse(setRoleBody, body);
}

const trustCertificateBody = z.object({
  properties: z.object({ publicBlob: z.string().regex(/^0x([0-9a-fA-F]{2})+$/, 'must be 0x followed by the certificate\'s bytes in hex') }),
});

/** The public part of a certificate, from `{"properties":{"publicBlob":"0x…"}}` (what New-AzSqlInstanceServerTrustCertificate sends). */
export function parseTrustCertificateBody(body: unknown): Uint8Array {
  const blob = parse(trustCertificateBody, body).properties.publicBlob;
  return new Uint8Array(Buffer.from(blob.slice(2), 'hex'));
}
