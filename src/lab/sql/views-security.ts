import { deterministicBytes, thumbprintOf } from '../model/ids.js';
import type { Certificate } from '../model/types.js';
import { T, type Row, type ViewContext, type ViewDef } from './types.js';

const d = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

/**
 * The certificates of master. On the managed instance the server trust certificates uploaded through
 * ARM (New-AzSqlInstanceServerTrustCertificate / az sql mi partner-cert create) are listed too, as
 * public-key-only certificates (pvt_key_encryption_type NA) under their upload name — unconfirmed:
 * the official pages only name PowerShell / CLI / ARM for listing them.
 */
function certificateRows(ctx: ViewContext): Certificate[] {
  const own = ctx.inst.certificates;
  if (ctx.inst.kind !== 'mi') return own;
  const next = Math.max(300, ...own.map((c) => c.certificateId));
  const trusted = ctx.inst.trustCertificates.map((t, i): Certificate => ({
    name: t.name, certificateId: next + 1 + i, subject: `CN=${t.name}`, startDate: ctx.now - 86_400_000, expiryDate: ctx.now + 365 * 86_400_000,
    thumbprint: t.thumbprint, pvtKeyEncryptionType: 'NA', publicKey: t.publicKey,
  }));
  return [...own, ...trusted];
}

export const certificates: ViewDef = {
  name: 'sys.certificates',
  columns: [
    ['name', T.nv(128)], ['certificate_id', T.int], ['principal_id', T.int], ['pvt_key_encryption_type', { name: 'varchar', length: 2 }],
    ['pvt_key_encryption_type_desc', T.nv(60)], ['is_active_for_begin_dialog', T.bit], ['issuer_name', T.nv(442)],
    ['cert_serial_number', T.nv(64)], ['sid', T.vb(85)], ['string_sid', T.nv(128)], ['subject', T.nv(4000)], ['expiry_date', T.datetime],
    ['start_date', T.datetime], ['thumbprint', T.vb(32)], ['attested_by', T.nv(260)], ['pvt_key_last_backup_date', T.datetime], ['key_length', T.int],
  ],
  rows(ctx) {
    return certificateRows(ctx).map((c) => ({
      name: c.name, certificate_id: c.certificateId, principal_id: 1, pvt_key_encryption_type: c.pvtKeyEncryptionType,
      pvt_key_encryption_type_desc: { MK: 'ENCRYPTED_BY_MASTER_KEY', PW: 'ENCRYPTED_BY_PASSWORD', NA: 'NO_PRIVATE_KEY' }[c.pvtKeyEncryptionType],
      is_active_for_begin_dialog: true, issuer_name: c.subject.replace(/^CN=/, ''), cert_serial_number: Buffer.from(c.thumbprint.subarray(0, 8)).toString('hex'),
      sid: new Uint8Array([1, 13, ...c.thumbprint.subarray(0, 8)]), string_sid: null, subject: c.subject, expiry_date: d(c.expiryDate),
      start_date: d(c.startDate), thumbprint: c.thumbprint, attested_by: null, pvt_key_last_backup_date: null, key_length: 2048,
    }));
  },
};

/** master's symmetric keys: the service master key always, the database master key when it exists. */
export const symmetricKeys: ViewDef = {
  name: 'sys.symmetric_keys',
  columns: [
    ['name', T.nv(128)], ['principal_id', T.int], ['symmetric_key_id', T.int], ['key_length', T.int], ['key_algorithm', { name: 'varchar', length: 2 }],
    ['algorithm_desc', T.nv(60)], ['create_date', T.datetime], ['modify_date', T.datetime], ['key_guid', T.uid], ['key_thumbprint', T.vb(32)],
    ['provider_type', T.nv(60)], ['cryptographic_provider_guid', T.uid], ['cryptographic_provider_algid', T.variant],
  ],
  rows(ctx) {
    const key = (name: string, id: number): Row => ({
      name, principal_id: 1, symmetric_key_id: id, key_length: 256, key_algorithm: 'A3', algorithm_desc: 'AES_256',
      create_date: d(ctx.inst.startedAt - 800 * 86_400_000), modify_date: d(ctx.inst.startedAt - 800 * 86_400_000),
      key_guid: `${id.toString(16).toUpperCase().padStart(8, '0')}-0000-0000-0000-000000000000`, key_thumbprint: null, provider_type: null,
      cryptographic_provider_guid: null, cryptographic_provider_algid: null,
    });
    const rows = [key('##MS_ServiceMasterKey##', 102)];
    if (ctx.inst.hasMasterKey) rows.unshift(key('##MS_DatabaseMasterKey##', 101));
    return rows;
  },
};

/**
 * Transparent data encryption per database. The managed instance encrypts its databases (and so
 * tempdb) with service-managed TDE, whose protector is not a certificate in master; SQL01 uses none.
 */
export const databaseEncryptionKeys: ViewDef = {
  name: 'sys.dm_database_encryption_keys',
  columns: [
    ['database_id', T.int], ['encryption_state', T.int], ['create_date', T.datetime], ['regenerate_date', T.datetime], ['modify_date', T.datetime],
    ['set_date', T.datetime], ['opened_date', T.datetime], ['key_algorithm', T.nv(32)], ['key_length', T.int], ['encryptor_thumbprint', T.vb(32)],
    ['encryptor_type', T.nv(32)], ['percent_complete', T.float], ['encryption_state_desc', T.nv(32)], ['encryption_scan_state', T.int],
    ['encryption_scan_state_desc', T.nv(32)], ['encryption_scan_modify_date', T.datetime],
  ],
  rows(ctx) {
    if (ctx.inst.kind !== 'mi') return [];
    const protector = thumbprintOf(deterministicBytes(ctx.world.seed, `${ctx.inst.name}:tde-protector`, 64));
    return ctx.inst.databases
      .filter((db) => db.databaseId === 2 || db.databaseId > 4)
      .map((db) => ({
        database_id: db.databaseId, encryption_state: 3, create_date: d(db.createDate), regenerate_date: d(db.createDate), modify_date: d(db.createDate),
        set_date: d(db.createDate), opened_date: d(ctx.inst.startedAt), key_algorithm: 'AES', key_length: 256, encryptor_thumbprint: protector,
        encryptor_type: 'CERTIFICATE', percent_complete: 0, encryption_state_desc: 'ENCRYPTED',
        encryption_scan_state: 4, encryption_scan_state_desc: 'COMPLETE', encryption_scan_modify_date: d(db.createDate),
      }));
  },
};
