import { recordBackup } from '../model/create-world.js';
import { SqlServerError } from '../model/sql-error.js';
import { globalTraceFlags } from './commands-dbcc.js';
import { Cursor, info, syntaxError, type CommandParser } from './cursor.js';

/**
 * BACKUP DATABASE / BACKUP LOG. A log backup during seeding is what breaks the link with 1412 later.
 *
 * | number | when | confidence |
 * |---|---|---|
 * | 911 + 3013 | unknown database; BACKUP … is terminating abnormally | documented |
 * | 4208 | BACKUP LOG under the SIMPLE recovery model | documented |
 * | 137 | TO DISK = @variable that is not declared or bound | documented |
 * | 3206 + 3013 | device variable NULL or empty | number documented for an unknown device; its use for an empty variable is a lab choice |
 * | 41922 + 3013 | on a managed instance, anything but a COPY_ONLY full backup to URL | number unconfirmed (lab choice) |
 */
export const parseBackup: CommandParser = (s) => {
  const c = new Cursor(s.tokens);
  if (!c.accept('BACKUP')) return undefined;
  const kind = c.next();
  if (kind.value !== 'LOG' && kind.value !== 'DATABASE') throw syntaxError(kind);
  const database = c.name();
  c.expect('TO');
  // A device is a string literal or a variable (`TO DISK = @path`), as BACKUP's syntax allows.
  const devices: { type: string; path?: string; variable?: { name: string; text: string } }[] = [];
  do {
    const type = c.next().value;
    if (type !== 'DISK' && type !== 'URL') throw syntaxError(c.peek(-1));
    c.expect('=');
    const v = c.peek();
    if (v?.type === 'var') {
      c.next();
      devices.push({ type, variable: { name: v.value, text: v.text } });
    } else devices.push({ type, path: c.string() });
  } while (c.accept(','));
  const options = new Map<string, string | number | true>();
  if (c.accept('WITH')) {
    do {
      const opt = c.next().value;
      if (c.accept('=')) {
        const v = c.peek();
        options.set(opt, v?.type === 'number' ? c.number() : v?.type === 'string' ? c.string() : c.next().value);
      } else options.set(opt, true);
    } while (c.accept(','));
  }
  c.end();
  const verb = `BACKUP ${kind.value}`;
  return (ctx) => {
    const db = ctx.inst.databases.find((d) => d.name.toLowerCase() === database.toLowerCase());
    const abnormal = new SqlServerError(3013, `${verb} is terminating abnormally.`);
    const paths = devices.map((dev) => {
      if (!dev.variable) return dev.path!;
      const declared = ctx.vars.get(dev.variable.name);
      if (!declared && !ctx.bound.has(dev.variable.name)) throw new SqlServerError(137, `Must declare the scalar variable "${dev.variable.text}".`, 15, 2);
      const value = declared ? declared.value : ctx.bound.get(dev.variable.name);
      if (typeof value !== 'string' || value === '') throw Object.assign(new SqlServerError(3206, `No entry in sysdevices for backup device '${String(value)}'. Update sysdevices and rerun statement.`), { follow: abnormal });
      return value;
    });
    if (!db) throw Object.assign(new SqlServerError(911, `Database '${database}' does not exist. Make sure that the name is entered correctly.`), { follow: abnormal });
    const copyOnly = options.has('COPY_ONLY');
    if (ctx.inst.kind === 'mi' && (kind.value === 'LOG' || !copyOnly || devices.some((d) => d.type !== 'URL'))) {
      throw Object.assign(
        new SqlServerError(41922, `${verb} is not supported on SQL Managed Instance except as a COPY_ONLY full backup to URL.`),
        { follow: abnormal },
      );
    }
    if (kind.value === 'LOG' && db.recoveryModel === 'SIMPLE') {
      throw Object.assign(new SqlServerError(4208, `The statement BACKUP LOG is not allowed while the recovery model is SIMPLE. Use BACKUP DATABASE or change the recovery model using ALTER DATABASE.`), { follow: abnormal });
    }
    const name = typeof options.get('NAME') === 'string' ? (options.get('NAME') as string) : `${db.name}-${kind.value === 'LOG' ? 'Log' : 'Full'} Database Backup`;
    recordBackup(ctx.world, ctx.inst, {
      database: db.name, type: kind.value === 'LOG' ? 'L' : 'D', at: ctx.world.now(), name, isCopyOnly: copyOnly,
      device: paths.join(', '), userName: ctx.session.login, checksum: options.has('CHECKSUM'), durationMs: 0,
    });
    const seeding = ctx.world.link?.seeding;
    // Trace flag 12381 keeps the log the seeded copy still needs: log backups go on without truncating it [TS].
    // A COPY_ONLY log backup never truncates the log.
    const keepsLog = globalTraceFlags(ctx.inst).has(12381);
    if (kind.value === 'LOG' && !copyOnly && !keepsLog && seeding?.currentState === 'SEEDING' && ctx.world.link?.databaseName.toLowerCase() === db.name.toLowerCase() && ctx.world.sideOf(ctx.inst.name)?.role === 'PRIMARY') {
      seeding.logBackupDuringSeeding = true;
      ctx.world.event(ctx.inst.name, 'log-backup-during-seeding', `log backup of ${db.name} taken while seeding runs: the log the seeded copy needs is truncated`);
    }
    if (options.has('NORECOVERY')) {
      db.stateDesc = 'RESTORING';
      ctx.world.event(ctx.inst.name, 'tail-log-backup', `${db.name} is RESTORING after a tail-log backup`);
    }
    const pages = kind.value === 'LOG' ? 6400 : 1_310_720;
    const file = kind.value === 'LOG' ? `${db.name}_log` : db.name;
    return [
      info(4035, `Processed ${pages} pages for database '${db.name}', file '${file}' on file 1.`),
      info(kind.value === 'LOG' ? 3014 : 3014, `${verb} successfully processed ${pages} pages in 1.250 seconds (${((pages * 8) / 1024 / 1.25).toFixed(3)} MB/sec).`),
      { kind: 'done' },
    ];
  };
};
