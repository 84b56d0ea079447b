import { join } from 'node:path';
import { dump } from 'js-yaml';
import type { LabPair, LabTlsMode, TargetsYamlOptions } from './types.js';

export const LAB_CA_FILE = 'agmedic-lab-ca.pem';
export const LAB_PASSWORD_ENV = 'AGMEDIC_LAB_PASSWORD';
export const LAB_ARM_TOKEN_ENV = 'AGMEDIC_LAB_ARM_TOKEN';

/**
 * The runtime's targets file (src/runtime/targets/targets-schema.ts) for the lab's pairs. Secrets
 * are referred to by env var name only, as in production targets files.
 *
 * @example
 * renderTargets(lab.pairs, { host: '127.0.0.1', tls: 'off' }, { caDir: '/tmp/lab' });
 */
export function renderTargets(
  pairs: readonly LabPair[],
  lab: { tls: LabTlsMode; scenarioNote?: string },
  options: TargetsYamlOptions = {},
): string {
  const caFile = options.caDir === undefined ? LAB_CA_FILE : join(options.caDir, LAB_CA_FILE);
  const wanted = options.pairs ? new Set(options.pairs) : undefined;
  const auth = { type: 'sql', user: 'sa', passwordEnv: LAB_PASSWORD_ENV };
  // TDS 8.0 strict verifies the lab CA like any enterprise CA; with TLS off the lab offers none.
  const tds = lab.tls === 'strict' ? { encrypt: 'strict', trustServerCertificate: false, caFile } : { encrypt: false, trustServerCertificate: false };
  const targets: Record<string, unknown> = {};
  for (const pair of pairs) {
    if (wanted && !wanted.has(pair.index)) continue;
    targets[pair.roles.sqlserver] = { server: pair.sqlserver.host, port: pair.sqlserver.port, database: 'master', ...tds, auth };
    targets[pair.roles.mi] = {
      server: pair.mi.host,
      port: pair.mi.port,
      database: 'master',
      ...tds,
      auth,
      azure: {
        subscriptionId: pair.arm.subscriptionId,
        resourceGroup: pair.arm.resourceGroup,
        instance: pair.arm.instance,
        endpoint: pair.arm.url,
        caFile,
        tokenEnv: LAB_ARM_TOKEN_ENV,
      },
    };
  }
  const header = [
    '# agmedic lab targets (written by `agmedic lab up`).',
    ...pairs.filter((p) => !wanted || wanted.has(p.index)).map((p) => `#   pair ${p.index + 1}: ${p.roles.sqlserver} + ${p.roles.mi}, scenario ${p.scenario}`),
    `# Secrets come from the environment: ${LAB_PASSWORD_ENV} (sa password), ${LAB_ARM_TOKEN_ENV} (ARM bearer token).`,
  ];
  return `${header.join('\n')}\n${dump({ targets }, { lineWidth: -1, noRefs: true })}`;
}
