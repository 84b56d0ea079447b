import { deterministicBytes, thumbprintOf } from '../model/ids.js';
import { SqlServerError } from '../model/sql-error.js';
import { Cursor, done, syntaxError, type CommandParser } from './cursor.js';

/**
 * CREATE / DROP CERTIFICATE and ALTER ENDPOINT … AUTHENTICATION = CERTIFICATE. Switching the endpoint
 * to a certificate the MI does not trust breaks the link (41973) on the next tick.
 *
 * | number | when | confidence |
 * |---|---|---|
 * | 15232 | a certificate with that name already exists | documented |
 * | 15151 | unknown certificate / endpoint | documented |
 * | 15352 | DROP CERTIFICATE while an endpoint uses it | number unconfirmed (lab choice) |
 * | 15581 | CREATE CERTIFICATE without ENCRYPTION BY PASSWORD while master has no database master key | documented |
 * | 15578 | CREATE MASTER KEY when one exists | documented |
 * | 241 | EXPIRY_DATE not a date | documented ("Conversion failed when converting date and/or time from character string.") |
 */
function parseDate(text: string): number {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text.trim());
  const ms = m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)) : NaN;
  if (!Number.isFinite(ms)) throw new SqlServerError(241, 'Conversion failed when converting date and/or time from character string.');
  return ms;
}

export const parseCertificateCommand: CommandParser = (s) => {
  const c = new Cursor(s.tokens);
  if (c.accept('CREATE', 'CERTIFICATE')) {
    const name = c.name();
    if (c.accept('FROM', 'BINARY', '=')) {
      const blob = c.next();
      if (blob.type !== 'binary') throw syntaxError(blob);
      c.end();
      const key = Uint8Array.from(Buffer.from(blob.value, 'hex'));
      return (ctx) => {
        addCert(ctx.inst.certificates, name, key, `CN=${name}`, ctx.world.now(), ctx.world.now() + 730 * 86_400_000, 'NA');
        ctx.world.event(ctx.inst.name, 'certificate', `certificate ${name} imported`);
        return done();
      };
    }
    let password = false;
    if (c.accept('ENCRYPTION', 'BY', 'PASSWORD', '=')) {
      c.string();
      password = true;
    }
    c.expect('WITH');
    const opts = new Map<string, string>();
    do {
      const key = c.next().value;
      c.expect('=');
      opts.set(key, c.string());
    } while (c.accept(','));
    c.end();
    if (!opts.has('SUBJECT')) throw syntaxError(s.tokens[s.tokens.length - 1]);
    return (ctx) => {
      if (!password && !ctx.inst.hasMasterKey) {
        throw new SqlServerError(15581, 'Please create a master key in the database or open the master key in the session before performing this operation.');
      }
      const now = ctx.world.now();
      const start = opts.has('START_DATE') ? parseDate(opts.get('START_DATE')!) : now;
      const expiry = opts.has('EXPIRY_DATE') ? parseDate(opts.get('EXPIRY_DATE')!) : start + 365 * 86_400_000;
      const key = deterministicBytes(ctx.world.seed, `cert:${ctx.inst.name}:${name}:${now}`, 96);
      addCert(ctx.inst.certificates, name, key, opts.get('SUBJECT')!, start, expiry, password ? 'PW' : 'MK');
      ctx.world.event(ctx.inst.name, 'certificate', `certificate ${name} created, expires ${new Date(expiry).toISOString()}`);
      return done();
    };
  }
  if (c.accept('CREATE', 'MASTER', 'KEY')) {
    c.expect('ENCRYPTION', 'BY', 'PASSWORD', '=');
    c.string();
    c.end();
    return (ctx) => {
      if (ctx.inst.hasMasterKey) throw new SqlServerError(15578, 'There is already a master key in the database. Please drop it before performing this statement.');
      ctx.inst.hasMasterKey = true;
      ctx.world.event(ctx.inst.name, 'master-key', 'database master key created in master');
      return done();
    };
  }
  if (c.accept('DROP', 'CERTIFICATE')) {
    const name = c.name();
    c.end();
    return (ctx) => {
      const i = ctx.inst.certificates.findIndex((x) => x.name.toLowerCase() === name.toLowerCase());
      if (i < 0) throw new SqlServerError(15151, `Cannot drop the certificate '${name}', because it does not exist or you do not have permission.`);
      if (ctx.inst.certificates[i]!.certificateId === ctx.inst.endpoint.certificateId) {
        throw new SqlServerError(15352, `The certificate '${name}' cannot be dropped because it is used by the endpoint '${ctx.inst.endpoint.name}'.`);
      }
      ctx.inst.certificates.splice(i, 1);
      ctx.world.event(ctx.inst.name, 'certificate', `certificate ${name} dropped`);
      return done();
    };
  }
  if (c.accept('ALTER', 'ENDPOINT')) {
    const endpoint = c.name();
    let certificate: string | undefined;
    // Only AUTHENTICATION … CERTIFICATE changes the model; STATE, ENCRYPTION and ROLE are accepted as given.
    for (let t = c.peek(); t; t = c.peek()) {
      c.next();
      if (t.type === 'word' && t.value === 'CERTIFICATE') certificate = c.name();
    }
    return (ctx) => {
      if (ctx.inst.endpoint.name.toLowerCase() !== endpoint.toLowerCase()) {
        throw new SqlServerError(15151, `Cannot alter the endpoint '${endpoint}', because it does not exist or you do not have permission.`);
      }
      if (certificate !== undefined) {
        const cert = ctx.inst.certificates.find((x) => x.name.toLowerCase() === certificate!.toLowerCase());
        if (!cert) throw new SqlServerError(15151, `Cannot find the certificate '${certificate}', because it does not exist or you do not have permission.`);
        ctx.inst.endpoint.certificateId = cert.certificateId;
        ctx.world.event(ctx.inst.name, 'endpoint', `endpoint ${endpoint} now authenticates with certificate ${cert.name}`);
      }
      return done();
    };
  }
  return undefined;
};

function addCert(
  list: { name: string; certificateId: number }[] & import('../model/types.js').Certificate[],
  name: string,
  publicKey: Uint8Array,
  subject: string,
  start: number,
  expiry: number,
  pvt: 'MK' | 'PW' | 'NA',
): void {
  if (list.some((x) => x.name.toLowerCase() === name.toLowerCase())) {
    throw new SqlServerError(15232, `A certificate with name '${name}' already exists or this certificate already has been added to the database.`);
  }
  const id = Math.max(255, ...list.map((x) => x.certificateId)) + 1;
  list.push({ name, certificateId: id, subject, startDate: start, expiryDate: expiry, thumbprint: thumbprintOf(publicKey), pvtKeyEncryptionType: pvt, publicKey });
}
