import https from 'node:https';
import { SqlManagementClient } from '@azure/arm-sql';
import { isRestError, type RestError } from '@azure/core-rest-pipeline';
import { generateLabCertificate } from '../../../src/lab/tds/index.js';
import { expect } from 'vitest';
import { startArmEmulator, type ArmEmulator, type ArmEmulatorOptions, type ArmLinkBackend } from '../../../src/lab/arm/index.js';
import type { ArmLinkCore } from './derive-legacy-fields.js';
import { createMemoryArmBackend } from './memory-backend.js';

export const LAB_TOKEN = 'lab-token-3f1c';
export const SUBSCRIPTION = '11111111-2222-3333-4444-555555555555';
export const RG = 'agmedic-lab';
export const MI = 'mi-lab';
export const ARM_SCOPE = 'https://management.azure.com/.default';

type TokenCredential = ConstructorParameters<typeof SqlManagementClient>[0];

export interface LabPems {
  key: string;
  cert: string;
  /** The CA the client trusts; the server presents a leaf signed by it. */
  ca: string;
}

/** A throw-away CA and a leaf for 127.0.0.1/localhost: the lab's own certificate maker. */
export function makeCertificate(hostnames = ['127.0.0.1', 'localhost']): Promise<LabPems> {
  return generateLabCertificate(hostnames);
}

/** A TokenCredential (the SDK's own interface, not a mock of the SDK) handing out a fixed token. */
export function staticCredential(token: string): TokenCredential & { scopes: string[][] } {
  const scopes: string[][] = [];
  return {
    scopes,
    getToken: async (requested: string | string[]) => {
      scopes.push(Array.isArray(requested) ? requested : [requested]);
      return { token, expiresOnTimestamp: Date.now() + 3600_000 };
    },
  };
}

/** The real client, pointed at the emulator, trusting the lab CA through the pipeline's TLS settings. */
export function armClient(arm: ArmEmulator, ca: string | undefined, token = LAB_TOKEN): SqlManagementClient {
  return new SqlManagementClient(staticCredential(token), arm.subscriptionId, {
    endpoint: arm.url,
    credentialScopes: [ARM_SCOPE],
    ...(ca === undefined ? {} : { tlsOptions: { ca } }),
    // 5xx retries would hide emulator faults behind delays.
    retryOptions: { maxRetries: 0 },
  });
}

export interface ArmLab {
  arm: ArmEmulator;
  backend: ArmLinkBackend;
  client: SqlManagementClient;
  pems: LabPems;
  stop(): Promise<void>;
}

export async function startArmLab(
  seed: ArmLinkCore[] = [seedLink('dag_sales')],
  options: Partial<ArmEmulatorOptions> = {},
  pems?: LabPems,
): Promise<ArmLab> {
  const certificate = pems ?? (await makeCertificate());
  const backend = options.backend ?? createMemoryArmBackend({ [MI]: seed });
  const arm = await startArmEmulator({
    token: LAB_TOKEN,
    tls: { key: certificate.key, cert: certificate.cert },
    subscriptionId: SUBSCRIPTION,
    resourceGroup: RG,
    managedInstance: MI,
    ...options,
    backend,
  });
  return { arm, backend, client: armClient(arm, certificate.ca), pems: certificate, stop: () => arm.close() };
}

/** A synchronized link with SQL Server primary, as after a successful setup. */
export function seedLink(name: string, overrides: Partial<ArmLinkCore> = {}): ArmLinkCore {
  return {
    name,
    distributedAvailabilityGroupId: '6a3c1f0e-8d57-4c6b-9a2e-0b1d2c3e4f50',
    replicationMode: 'Async',
    partnerLinkRole: 'Primary',
    partnerAvailabilityGroupName: 'ag_sql',
    partnerEndpoint: 'TCP://sql-lab.contoso.local:5022',
    instanceLinkRole: 'Secondary',
    instanceAvailabilityGroupName: 'ag_mi',
    failoverMode: 'None',
    seedingMode: 'Automatic',
    databases: [
      {
        databaseName: 'sales',
        instanceReplicaId: 'aaaaaaaa-0000-0000-0000-000000000001',
        partnerReplicaId: 'bbbbbbbb-0000-0000-0000-000000000002',
        replicaState: 'LinkSynchronizing',
        seedingProgress: '100%',
        synchronizationHealth: 'HEALTHY',
        connectedState: 'CONNECTED',
        lastHardenedLsn: '42000000012345600001',
        lastHardenedTime: '2025-06-01T08:00:00.000Z',
        lastBackupTime: '2025-06-01T07:00:00.000Z',
        partnerAuthCertValidity: { certificateName: 'sql_endpoint_cert', expiryDate: '2026-01-31T00:00:00.000Z' },
        instanceSendReplicationLagSeconds: 0,
        instanceRedoReplicationLagSeconds: 2,
      },
    ],
    ...overrides,
  };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** A request outside the SDK, for what the SDK would never send (no token, broken JSON). */
export async function rawRequest(
  arm: ArmEmulator,
  ca: string,
  method: string,
  path: string,
  options: { token?: string; body?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const req = https.request(new URL(path, arm.url), { method, ca, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text === '' ? undefined : (JSON.parse(text) as unknown) });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

export const linkPath = (dag: string, suffix = ''): string =>
  `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.Sql/managedInstances/${MI}/distributedAvailabilityGroups/${dag}${suffix}`;

/**
 * The RestError an SDK call rejected with, so tests can assert status and ARM code. Checked with
 * isRestError: @azure/arm-sql loads the CommonJS build of core-rest-pipeline, so its RestError is not
 * the class this ESM test imports.
 */
export async function restError(promise: Promise<unknown>): Promise<RestError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isRestError(err)).toBe(true);
  return err as RestError;
}
