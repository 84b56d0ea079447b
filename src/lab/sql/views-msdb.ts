import { T, type ViewDef } from './types.js';

const d = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

/**
 * msdb's backup history: one backupset row per backup, one backupmediafamily row per device (the lab
 * writes each backup to its own media set, so media_set_id = backup_set_id).
 */
export const backupSet: ViewDef = {
  name: 'msdb.dbo.backupset',
  columns: [
    ['backup_set_id', T.int], ['backup_set_uuid', T.uid], ['media_set_id', T.int], ['first_family_number', T.tinyint],
    ['first_media_number', T.smallint], ['last_family_number', T.tinyint], ['last_media_number', T.smallint], ['position', T.int],
    ['name', T.nv(128)], ['description', T.nv(255)], ['user_name', T.nv(128)], ['software_major_version', T.tinyint],
    ['database_name', T.nv(128)], ['server_name', T.nv(128)], ['machine_name', T.nv(128)], ['type', { name: 'varchar', length: 1 }],
    ['backup_start_date', T.datetime], ['backup_finish_date', T.datetime], ['expiration_date', T.datetime],
    ['first_lsn', T.lsn], ['last_lsn', T.lsn], ['checkpoint_lsn', T.lsn], ['database_backup_lsn', T.lsn],
    ['database_creation_date', T.datetime], ['compatibility_level', T.tinyint], ['is_copy_only', T.bit], ['is_snapshot', T.bit],
    ['is_damaged', T.bit], ['has_backup_checksums', T.bit], ['backup_size', { name: 'decimal', precision: 20, scale: 0 }],
    ['compressed_backup_size', { name: 'decimal', precision: 20, scale: 0 }], ['recovery_model', T.nv(60)],
  ],
  rows(ctx) {
    return ctx.inst.backups.map((b) => {
      const size = b.type === 'L' ? 52_428_800 : 10_737_418_240;
      const db = ctx.inst.databases.find((x) => x.name.toLowerCase() === b.databaseName.toLowerCase());
      return {
        backup_set_id: b.backupSetId, backup_set_uuid: b.uuid, media_set_id: b.backupSetId, first_family_number: 1, first_media_number: 1,
        last_family_number: 1, last_media_number: 1, position: 1, name: b.name, description: b.description, user_name: b.userName,
        software_major_version: ctx.inst.majorVersion, database_name: b.databaseName, server_name: ctx.inst.name, machine_name: ctx.inst.name,
        type: b.type, backup_start_date: d(b.startDate), backup_finish_date: d(b.finishDate), expiration_date: null, first_lsn: b.firstLsn,
        last_lsn: b.lastLsn, checkpoint_lsn: b.firstLsn, database_backup_lsn: b.firstLsn, database_creation_date: d(db?.createDate ?? null),
        compatibility_level: 160, is_copy_only: b.isCopyOnly, is_snapshot: false, is_damaged: false, has_backup_checksums: b.checksum,
        backup_size: size, compressed_backup_size: Math.round(size / 3), recovery_model: db?.recoveryModel ?? 'FULL',
      };
    });
  },
};

export const backupMediaFamily: ViewDef = {
  name: 'msdb.dbo.backupmediafamily',
  columns: [
    ['media_set_id', T.int], ['family_sequence_number', T.tinyint], ['media_family_id', T.uid], ['media_count', T.int],
    ['logical_device_name', T.nv(128)], ['physical_device_name', T.nv(260)], ['device_type', T.tinyint],
    ['physical_block_size', T.int], ['mirror', T.tinyint],
  ],
  rows(ctx) {
    return ctx.inst.backups.map((b) => ({
      media_set_id: b.backupSetId, family_sequence_number: 1, media_family_id: b.uuid, media_count: 1, logical_device_name: null,
      physical_device_name: b.deviceName, device_type: /^https?:\/\//i.test(b.deviceName) ? 9 : 2, physical_block_size: 512, mirror: 0,
    }));
  },
};
