import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startArmEmulator, type ArmEmulator, type ArmEmulatorOptions, type ArmLinkBackend } from '../../../src/lab/arm/index.js';
import type { ArmLinkCore } from '../../lab/arm/derive-legacy-fields.js';
import { createMemoryArmBackend } from '../../lab/arm/memory-backend.js';
import { generateLabCertificate } from '../../../src/lab/tds/index.js';
import type { AzureTargetConfig } from '../../../src/ports/azure-link.js';

/** Distinctive, so finding it in any output can only mean a leak. */
export const ARM_TOKEN = 'arm-token-leak-canary-5151';
export const TOKEN_ENV = 'AGMEDIC_TEST_ARM_TOKEN';
export const SUBSCRIPTION = '11111111-2222-3333-4444-555555555555';
export const RG = 'rg-lab';
export const MI = 'mi-lab';

export interface ArmLab {
  arm: ArmEmulator;
  backend: ArmLinkBackend;
  caFile: string;
  azure(overrides?: Partial<AzureTargetConfig>): AzureTargetConfig;
  stop(): Promise<void>;
}

export async function startArmLab(seed: ArmLinkCore[], options: Partial<ArmEmulatorOptions> = {}): Promise<ArmLab> {
  const pems = await generateLabCertificate(['127.0.0.1', 'localhost']);
  const caFile = join(mkdtempSync(join(tmpdir(), 'agmedic-arm-')), 'ca.pem');
  writeFileSync(caFile, pems.ca);
  const backend = createMemoryArmBackend({ [MI]: seed });
  const arm = await startArmEmulator({
    backend,
    token: ARM_TOKEN,
    tls: { key: pems.key, cert: pems.cert },
    subscriptionId: SUBSCRIPTION,
    resourceGroup: RG,
    managedInstance: MI,
    ...options,
  });
  return {
    arm,
    backend,
    caFile,
    azure: (overrides = {}) => ({ subscriptionId: SUBSCRIPTION, resourceGroup: RG, instance: MI, endpoint: arm.url, caFile, tokenEnv: TOKEN_ENV, ...overrides }),
    stop: () => arm.close(),
  };
}

/** A synchronized link, SQL Server primary, as after a successful setup. */
export function seedLink(name: string, overrides: Partial<ArmLinkCore> = {}): ArmLinkCore {
  return {
    name,
    distributedAvailabilityGroupId: '6a3c1f0e-8d57-4c6b-9a2e-0b1d2c3e4f50',
    replicationMode: 'Async',
    partnerLinkRole: 'Primary',
    partnerAvailabilityGroupName: 'AG_Sales',
    partnerEndpoint: 'TCP://sql01.lab.local:5022',
    instanceLinkRole: 'Secondary',
    instanceAvailabilityGroupName: 'AG_Sales_MI',
    failoverMode: 'None',
    seedingMode: 'Automatic',
    databases: [
      {
        databaseName: 'Sales',
        replicaState: 'LinkSynchronizing',
        synchronizationHealth: 'HEALTHY',
        connectedState: 'CONNECTED',
        lastHardenedLsn: '42000000012345600001',
      },
    ],
    ...overrides,
  };
}
