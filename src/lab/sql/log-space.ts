import type { DatabaseState, InstanceState } from '../model/types.js';
import type { LabWorld } from '../model/lab-world.js';

/**
 * Read-only figures about a database's transaction log, derived from the world model: the link
 * database's active log is what the partner has not hardened yet (a primary cannot truncate past
 * it) plus a working set; other databases hold a small steady log. The log file is sized to fit.
 */
export interface LogSpace {
  sizeBytes: number;
  usedBytes: number;
  sinceLastBackupBytes: number;
}

const MB = 1024 * 1024;

export function logSpaceOf(world: LabWorld, inst: InstanceState, db: DatabaseState): LogSpace {
  const base = Math.max(2 * MB, Math.round(db.sizeBytes / 2000));
  let unsent = 0;
  const side = world.sideOf(inst.name);
  if (side && world.link && world.link.databaseName.toLowerCase() === db.name.toLowerCase()) {
    const partner = world.partnerOf(side);
    unsent = Math.max(0, side.logEnd - Math.min(partner.hardened, side.hardened));
  }
  // A log that waits on a log backup or a replica keeps everything written since.
  const held = db.logReuseWaitDesc === 'NOTHING' ? 0 : Math.max(unsent, 64 * MB);
  const usedBytes = base + Math.max(unsent, held);
  const sizeBytes = Math.max(8 * MB, Math.ceil((usedBytes * 1.6) / (64 * MB)) * 64 * MB);
  return { sizeBytes, usedBytes, sinceLastBackupBytes: usedBytes - base / 2 };
}
