import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isMap, isPair, isScalar, isSeq, parseDocument, visit, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { AgmedicError, formatDiagnostic, type Diagnostic, type SourceFile, type SourceRange } from '../../errors.js';
import { looksLikeSecretKey } from '../../ports/secret-keys.js';
import { parseConnectionString } from './parse-connection-string.js';
import { targetsFileSchema } from './targets-schema.js';
import type { AuthConfig, TargetConfig, TargetsConfig } from './types.js';

type Path = readonly (string | number)[];

const PASSWORD_KEY = /^(password|pwd|passwd)$/i;

/** Alias expansions allowed: 10 per pair for a 1,000-pair fleet; an alias bomb needs millions. */
const MAX_ALIASES = 20_000;
/** A 1,000-pair fleet file is ~200 kB; anything past this is not a targets file. */
const MAX_TARGETS_BYTES = 8 * 1024 * 1024;

export { resolveTargetsPath, TARGETS_ENV } from './targets-path.js';

/**
 * Reads and validates a targets file. Every problem is collected first; then one `TARGETS_FILE`
 * error carries them all as diagnostics with source ranges (`file:line:col` when formatted).
 * Passwords are refused anywhere in the file, including inside a connection string.
 *
 * @example
 * const { targets } = readTargetsFile('targets.yaml');
 * console.log(targets.sqlserver.server, targets.sqlserver.auth.type);
 */
export function readTargetsFile(path: string): TargetsConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new AgmedicError('TARGETS_FILE', `cannot read targets file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      details: { path },
    });
  }
  return parseTargets(text, path, dirname(resolve(path)));
}

/**
 * {@link readTargetsFile} for text already in memory; relative `caFile`s resolve against `baseDir`.
 *
 * @example
 * parseTargets('targets: {}', 'inline.yaml', process.cwd());
 */
export function parseTargets(text: string, name: string, baseDir: string): TargetsConfig {
  // Diagnostics print the offending line: a password someone put in the file (refused below)
  // must not be echoed to the terminal or a CI log, so the displayed text has it masked.
  if (text.length > MAX_TARGETS_BYTES) {
    throw new AgmedicError('TARGETS_FILE', `${name}: ${text.length} characters is more than a targets file may have (${MAX_TARGETS_BYTES})`, { details: { path: name, limit: MAX_TARGETS_BYTES } });
  }
  const source: SourceFile = { name, text: maskPasswords(text) };
  const diags: Diagnostic[] = [];
  const report = (message: string, range: SourceRange | undefined, path?: Path): void => {
    const d: Diagnostic = { code: 'TARGETS_FILE', severity: 'error', message, source };
    if (range) d.range = range;
    if (path) d.path = path;
    diags.push(d);
  };

  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  for (const e of doc.errors) report(e.message.split('\n')[0]!, { start: e.pos[0], end: e.pos[1] });
  if (diags.length > 0) throw toError(diags);

  visit(doc, {
    Pair(_key, pair) {
      if (isScalar(pair.key) && typeof pair.key.value === 'string' && PASSWORD_KEY.test(pair.key.value.replace(/[^a-z]/gi, ''))) {
        report(`"${pair.key.value}": passwords never come from the targets file; name an environment variable with auth.passwordEnv`, rangeOf(pair.key as Node));
      }
    },
  });

  let raw: unknown;
  try {
    // A fleet file shares one anchored auth block across hundreds of pairs: yaml's default of 100
    // aliases refused 51 pairs. The limit still stops an alias bomb (it counts expansions).
    raw = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    report(`cannot expand the file's aliases: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`, { start: 0, end: 0 });
    throw toError(diags);
  }
  const targets = isRecord(raw) && isRecord(raw.targets) ? raw.targets : undefined;
  for (const [role, t] of Object.entries(targets ?? {})) {
    if (isRecord(t) && typeof t.connectionString === 'string') mergeConnectionString(role, t, doc, report);
  }

  const parsed = targetsFileSchema.safeParse(raw);
  if (!parsed.success) for (const issue of parsed.error.issues) reportIssue(issue, raw, doc, report);
  if (diags.length > 0 || !parsed.success) throw toError(diags);

  const out: Record<string, TargetConfig> = {};
  for (const [role, t] of Object.entries(parsed.data.targets)) {
    const { connectionString: _unused, caFile, azure, auth, database, ...rest } = t;
    const target: TargetConfig = { role, ...rest, auth: auth as AuthConfig };
    if (database !== undefined) target.database = database;
    if (caFile !== undefined) target.caFile = resolve(baseDir, caFile);
    if (azure !== undefined) {
      const { caFile: armCa, ...azureRest } = azure;
      target.azure = armCa === undefined ? azureRest : { ...azureRest, caFile: resolve(baseDir, armCa) };
    }
    out[role] = target;
  }
  return { path: name, targets: out };
}

/** Connection-string values fill only what the target does not say itself: explicit keys win. */
function mergeConnectionString(role: string, t: Record<string, unknown>, doc: Document, report: (m: string, r: SourceRange | undefined, p?: Path) => void): void {
  const path = ['targets', role, 'connectionString'];
  const range = rangeOf(doc.getIn(path, true) as Node | undefined);
  let parts;
  try {
    parts = parseConnectionString(t.connectionString as string);
  } catch (err) {
    report(err instanceof AgmedicError ? err.message : String(err), range, path);
    return;
  }
  if (parts.password !== undefined) {
    // Keep merging: the rest of the string is fine, and a spurious "missing server" would mislead.
    report('connectionString: Password= is refused: passwords never come from the targets file; name an environment variable with auth.passwordEnv', range, path);
  }
  for (const key of ['server', 'port', 'database', 'encrypt', 'trustServerCertificate', 'connectTimeoutMs'] as const) {
    if (parts[key] !== undefined && t[key] === undefined) t[key] = parts[key];
  }
  const auth = t.auth;
  if (auth === undefined && parts.entraCredential !== undefined) t.auth = { type: 'entra', credential: parts.entraCredential };
  else if (isRecord(auth) && parts.user !== undefined && (auth.type === 'sql' || auth.type === 'ntlm') && auth.user === undefined) auth.user = parts.user;
}

function reportIssue(issue: z.core.$ZodIssue, raw: unknown, doc: Document, report: (m: string, r: SourceRange | undefined, p?: Path) => void): void {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const where = path.join('.') || '(top level)';
  if (issue.code === 'unrecognized_keys') {
    for (const key of issue.keys) report(`${where}: unknown field "${key}"`, rangeOf(keyNode(doc, [...path, key])), [...path, key]);
    return;
  }
  if (issue.code === 'invalid_type' && valueAt(raw, path) === undefined) {
    const last = path.at(-1);
    const parent = path.slice(0, -1);
    const node = parent.length > 0 ? keyNode(doc, parent) : (doc.contents as Node | null);
    report(`${parent.join('.') || '(top level)'}: missing field "${String(last)}"`, rangeOf(node ?? undefined), path);
    return;
  }
  report(`${where}: ${issue.message}`, rangeOf(nearestNode(doc, path)), path);
}

function toError(diags: Diagnostic[]): AgmedicError {
  const first = diags[0];
  const head = first ? formatDiagnostic(first).split('\n')[0]! : 'invalid targets file';
  const more = diags.length > 1 ? ` (and ${diags.length - 1} more)` : '';
  return new AgmedicError('TARGETS_FILE', `${head}${more}`, { diagnostics: diags });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function valueAt(raw: unknown, path: Path): unknown {
  let cur = raw;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return cur;
}

function rangeOf(node: Node | undefined | null): SourceRange | undefined {
  const r = node?.range;
  return r ? { start: r[0], end: r[1] } : undefined;
}

/** The key of the pair at `path` (what an operator would point at), else the nearest node. */
function keyNode(doc: Document, path: Path): Node | undefined {
  const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
  if (isMap(parent)) {
    const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === path.at(-1));
    if (pair && isScalar(pair.key)) return pair.key;
  }
  return nearestNode(doc, path);
}

function nearestNode(doc: Document, path: Path): Node | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (node && (isMap(node) || isSeq(node) || isScalar(node))) return node as Node;
  }
  return undefined;
}

/**
 * The text with password values replaced by `*` of the same length (ranges stay valid): YAML
 * `password: x` keys and `Password=x` inside connection strings — and the same under any key that
 * looks like a misspelt one (`pasword:`, `Passwrd=`), since those are exactly the keys refused
 * with the source line shown.
 */
export function maskPasswords(text: string): string {
  // Every `key:` on a line is looked at, inside flow mappings too (`auth: { user: x, password: y }`),
  // and a secret's value is masked to the end of its line: a `#` there may belong to the password
  // (`ab#cd`, `"ab #cd"`), so masking a trailing comment with it is the safe side. One linear pass.
  // UTF-16 units, like the source ranges: a masked surrogate pair stays two characters long.
  const chars = text.split('');
  let maskedUntil = 0;
  for (const m of text.matchAll(/(^|[\s{,-])([A-Za-z_][\w-]*|"[^"\n]*"|'[^'\n]*')(\s*:[ \t]*)/gm)) {
    const from = Math.max(m.index + m[0].length, maskedUntil);
    if (!looksLikeSecretKey(m[2]!.replace(/^["']|["']$/g, ''))) continue;
    let i = from;
    for (; i < chars.length && chars[i] !== '\n'; i++) chars[i] = '*';
    maskedUntil = i;
  }
  const mask = (m: string, head: string, key: string, sep: string, value: string): string =>
    looksLikeSecretKey(key.replace(/^["']|["']$/g, '')) ? head + key + sep + '*'.repeat(value.length) : m;
  return chars.join('').replace(/(^|[;"'\s])([A-Za-z][A-Za-z ]*?)(\s*=\s*)((?:\{[^}]*\}|[^;"'\n])*)/g, mask);
}
