/**
 * Which keys hold secrets, including misspelt ones. A password put under `pasword:` or
 * `Passwrd=` is still a password: the key is unknown to agmedic (so it is refused), but the refusal
 * prints the offending source line, and that line must not show the value. One predicate serves
 * the targets file's masking and the audit redactor, so both miss (or catch) the same keys.
 */

/** Words matched fuzzily, with how many edits a misspelling may have. Short words get few: `token` within 2 would catch `open`. */
const FUZZY: ReadonlyArray<[string, number]> = [
  ['password', 2],
  ['secret', 1],
];

/** Edit distance with transpositions, capped: only "within `max` of a secret word" matters. */
function within(a: string, b: string, max: number): boolean {
  if (Math.abs(a.length - b.length) > max) return false;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let prev2: number[] = prev;
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const swap = i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1] ? prev2[j - 2]! : Infinity;
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1), swap === Infinity ? Infinity : swap + 1);
      cur.push(v);
      best = Math.min(best, v);
    }
    if (best > max) return false;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length]! <= max;
}

/**
 * True when `key` names, or looks like a misspelling of, a secret: password, pwd, passwd, secret,
 * token, api key, and anything ending in `key` (apiKey, accountKey, sasKey).
 *
 * @example
 * looksLikeSecretKey('pasword')  // true
 * looksLikeSecretKey('Passwrd')  // true
 * looksLikeSecretKey('passwordEnv') // false: it names a variable, not a value
 * looksLikeSecretKey('server')   // false
 */
export function looksLikeSecretKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (k === '' || k.endsWith('env')) return false; // passwordEnv names an environment variable
  if (/^(pwd|pw|pswd|psw|pass|pas|passw)$/.test(k)) return true;
  if (/passw|pasw|passphrase|pwd|secret|token|apikey|key$/.test(k)) return true;
  for (const [w, max] of FUZZY) if (within(k, w, max)) return true;
  return false;
}
