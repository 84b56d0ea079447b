import { addTrustCertificate, removeTrustCertificate } from '../model/link-api.js';
import { databaseFormatOf } from '../model/instance-format.js';
import type { LabWorld } from '../model/lab-world.js';
import type { TrustCertificate } from '../model/types.js';
import type { ArmInstanceBackend, ArmTrustCertificate } from './types.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex').toUpperCase();

function toArm(cert: TrustCertificate): ArmTrustCertificate {
  return { certificateName: cert.name, publicBlob: `0x${hex(cert.publicKey)}`, thumbprint: hex(cert.thumbprint) };
}

/**
 * The managed instance resource and its `serverTrustCertificates` over the lab's world: the trust
 * store is the one the link's dynamics read, so uploading SQL Server's endpoint certificate here is
 * what ends 41973, as in Azure ("endpoint certificate from SQL Server wasn't imported into Azure SQL
 * Managed Instance", [TS]) — a `CREATE CERTIFICATE` on the MI over T-SQL does not.
 *
 * @example
 * const arm = await startArmEmulator({ backend: createWorldArmBackend(world), instance: createWorldInstanceBackend(world), token, tls });
 */
export function createWorldInstanceBackend(world: LabWorld): ArmInstanceBackend {
  const mi = (name: string) => {
    const inst = world.findInstance(name);
    return inst?.kind === 'mi' ? inst : undefined;
  };
  const find = (name: string, cert: string) => mi(name)?.trustCertificates.find((t) => t.name.toLowerCase() === cert.toLowerCase());
  return {
    getInstance: async (name) => {
      const inst = mi(name);
      return inst && { name: inst.name, fullyQualifiedDomainName: inst.fqdn, databaseFormat: databaseFormatOf(world, inst.name), state: 'Ready' };
    },
    listTrustCertificates: async (name) => (mi(name)?.trustCertificates ?? []).map(toArm),
    getTrustCertificate: async (name, cert) => {
      const found = find(name, cert);
      return found && toArm(found);
    },
    putTrustCertificate: async (name, cert, publicBlob) => {
      world.sync();
      addTrustCertificate(world, name, cert, publicBlob);
      world.touch();
      return toArm(find(name, cert)!);
    },
    deleteTrustCertificate: async (name, cert) => {
      world.sync();
      return removeTrustCertificate(world, name, cert);
    },
  };
}
