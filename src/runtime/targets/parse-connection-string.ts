import { AgmedicError } from '../../errors.js';
import { Secret } from '../../ports/secret.js';
import type { EncryptMode } from './types.js';

/** What an ADO.NET connection string contributes to a target. */
export interface ConnectionStringParts {
  server?: string;
  port?: number;
  database?: string;
  encrypt?: EncryptMode;
  trustServerCertificate?: boolean;
  user?: string;
  connectTimeoutMs?: number;
  /** `Authentication=Active Directory Default|Managed Identity|…`, mapped to an Entra credential kind. */
  entraCredential?: 'default' | 'managed-identity' | 'azure-cli' | 'environment';
  /** Wrapped at once so it can never be printed; the targets file refuses it outright. */
  password?: Secret;
}

const SERVER_KEYS = new Set(['server', 'data source', 'address', 'addr', 'network address']);
const DATABASE_KEYS = new Set(['database', 'initial catalog']);
const USER_KEYS = new Set(['user id', 'userid', 'uid', 'user']);
const PASSWORD_KEYS = new Set(['password', 'pwd']);
/** Keys real connection strings carry that change nothing for agmedic; anything else is likely a typo. */
const IGNORED_KEYS = new Set([
  'application name', 'app', 'persist security info', 'persistsecurityinfo', 'multipleactiveresultsets',
  'multisubnetfailover', 'multi subnet failover', 'pooling', 'max pool size', 'min pool size',
  'application intent', 'applicationintent', 'workstation id', 'wsid', 'packet size', 'command timeout',
  'connect retry count', 'connectretrycount', 'connect retry interval', 'connectretryinterval', 'host name in certificate',
  'hostnameincertificate',
]);

const ENTRA_KINDS: Record<string, ConnectionStringParts['entraCredential']> = {
  activedirectorydefault: 'default',
  activedirectorymanagedidentity: 'managed-identity',
  activedirectorymsi: 'managed-identity',
  activedirectoryazcli: 'azure-cli',
};

function fail(message: string): never {
  throw new AgmedicError('TARGETS_FILE', message);
}

/** Splits `k=v;k="v;v";k='it''s'` into pairs, honouring ADO.NET quoting. */
function splitPairs(s: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && (s[i] === ';' || /\s/.test(s[i]!))) i++;
    if (i >= s.length) break;
    const eq = s.indexOf('=', i);
    const semi = s.indexOf(';', i);
    // The text itself is not quoted back: a mistyped `Password secret` must not reach a message.
    if (eq < 0 || (semi >= 0 && semi < eq)) fail(`connection string: part ${pairs.length + 1} has no '='`);
    const key = s.slice(i, eq).trim().toLowerCase().replace(/\s+/g, ' ');
    i = eq + 1;
    while (i < s.length && s[i] === ' ') i++;
    let value = '';
    const quote = s[i];
    if (quote === '"' || quote === "'") {
      i++;
      for (;;) {
        if (i >= s.length) fail(`connection string: unterminated quoted value for "${key}"`);
        if (s[i] === quote) {
          if (s[i + 1] === quote) {
            value += quote;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += s[i++];
      }
      while (i < s.length && s[i] !== ';') i++;
    } else {
      const end = s.indexOf(';', i);
      value = (end < 0 ? s.slice(i) : s.slice(i, end)).trim();
      i = end < 0 ? s.length : end;
    }
    pairs.push([key, value]);
  }
  return pairs;
}

function parseBool(key: string, value: string): boolean {
  const v = value.toLowerCase();
  if (v === 'true' || v === 'yes') return true;
  if (v === 'false' || v === 'no') return false;
  return fail(`connection string: ${key}="${value}" is not true or false`);
}

function parseEncrypt(value: string): EncryptMode {
  const v = value.toLowerCase();
  if (v === 'strict') return 'strict';
  if (v === 'true' || v === 'yes' || v === 'mandatory') return true;
  if (v === 'false' || v === 'no' || v === 'optional') return false;
  return fail(`connection string: Encrypt="${value}" must be true, false, strict, mandatory or optional`);
}

function parseServer(value: string): { server: string; port?: number } {
  let v = value.trim();
  const proto = /^(\w+):/.exec(v);
  if (proto) {
    if (proto[1]!.toLowerCase() !== 'tcp') fail(`connection string: only tcp: servers are supported, not "${proto[1]}:"`);
    v = v.slice(proto[0].length);
  }
  const [host = '', portText, ...rest] = v.split(',').map((p) => p.trim());
  if (rest.length > 0) fail(`connection string: Server="${value}" has more than one ','`);
  if (host.includes('\\')) fail(`connection string: named instance "${host}" is not supported; give host,port`);
  if (host === '') fail('connection string: Server is empty');
  const server = host === '.' || host.toLowerCase() === '(local)' ? 'localhost' : host;
  if (portText === undefined) return { server };
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) fail(`connection string: port "${portText}" is not 1–65535`);
  return { server, port };
}

/**
 * Parses an ADO.NET-style connection string (`Server=tcp:host,port;Database=…;Encrypt=strict;User Id=…`).
 * Keys are case-insensitive; values may be quoted with `"` or `'` (doubled to escape). A password,
 * if present, is returned only as a {@link Secret}. Problems throw `TARGETS_FILE`.
 *
 * @example
 * parseConnectionString('Server=tcp:sql01,1433;Initial Catalog=master;Encrypt=Mandatory;User ID=agmedic')
 * // { server: 'sql01', port: 1433, database: 'master', encrypt: true, user: 'agmedic' }
 */
export function parseConnectionString(s: string): ConnectionStringParts {
  const out: ConnectionStringParts = {};
  const seen = new Set<string>();
  for (const [key, value] of splitPairs(s)) {
    const canonical = SERVER_KEYS.has(key) ? 'server' : DATABASE_KEYS.has(key) ? 'database' : USER_KEYS.has(key) ? 'user' : PASSWORD_KEYS.has(key) ? 'password' : key;
    if (seen.has(canonical)) fail(`connection string: "${key}" is given twice`);
    seen.add(canonical);
    switch (canonical) {
      case 'server':
        Object.assign(out, parseServer(value));
        break;
      case 'database':
        out.database = value;
        break;
      case 'user':
        out.user = value;
        break;
      case 'password':
        out.password = new Secret(value);
        break;
      case 'encrypt':
        out.encrypt = parseEncrypt(value);
        break;
      case 'trustservercertificate':
      case 'trust server certificate':
        out.trustServerCertificate = parseBool(key, value);
        break;
      case 'connect timeout':
      case 'connection timeout':
      case 'timeout': {
        if (!/^\d+$/.test(value)) fail(`connection string: ${key}="${value}" is not a number of seconds`);
        out.connectTimeoutMs = Number(value) * 1000;
        break;
      }
      case 'authentication': {
        const kind = value.toLowerCase().replace(/[\s_-]/g, '');
        if (kind === 'sqlpassword') break;
        const entra = Object.hasOwn(ENTRA_KINDS, kind) ? ENTRA_KINDS[kind] : undefined;
        if (!entra) fail(`connection string: Authentication="${value}" is not supported (use SqlPassword, Active Directory Default or Active Directory Managed Identity)`);
        out.entraCredential = entra;
        break;
      }
      default:
        if (!IGNORED_KEYS.has(key)) fail(`connection string: unknown key "${key}"`);
    }
  }
  return out;
}
