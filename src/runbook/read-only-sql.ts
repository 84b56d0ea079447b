/**
 * Checks, verifies and waits run without a confirmation — in `plan --live`, in the freshness check of
 * a saved plan, and when resume settles an in-doubt step — so they must not change anything. A
 * statement that starts with a changing verb there is a runbook bug, refused at validation.
 * (A mistake guard, not a sandbox: the server's permissions are the real boundary.)
 */

/**
 * Verbs that change state, anywhere outside comments, literals and [names]: T-SQL needs no `;`
 * between statements (`SELECT 1 EXEC sp_x` is two), so only a keyword scan is safe. DBCC is
 * allowed for TRACESTATUS alone. `@update`, `x.delete` and `create_date` are names, not verbs.
 */
const CHANGING = /(?<![@#$.\w])(ALTER|DROP|CREATE|BACKUP|RESTORE|INSERT|UPDATE|DELETE|MERGE|TRUNCATE|GRANT|REVOKE|DENY|KILL|SHUTDOWN|EXEC|EXECUTE|DBCC(?!\s+TRACESTATUS\b))(?![\w$#@])/i;

/** The text with comments and quoted literals blanked (same length), so verbs inside them don't count. */
function blankCommentsAndLiterals(sql: string): string {
  return sql.replace(/--[^\n]*|\/\*[\s\S]*?\*\/|N?'(?:[^']|'')*'|"(?:[^"]|"")*"|\[(?:[^\]]|\]\])*\]/g, (m) => ' '.repeat(m.length));
}

/**
 * The first changing verb in `sql` and its offset, or undefined when the text only reads.
 *
 * @example
 * firstChangingStatement("SELECT 1 ALTER AVAILABILITY GROUP [x] FAILOVER") // { verb: 'ALTER', offset: 9 }
 */
export function firstChangingStatement(sql: string): { verb: string; offset: number } | undefined {
  const hit = CHANGING.exec(blankCommentsAndLiterals(sql));
  return hit ? { verb: hit[1]!.toUpperCase(), offset: hit.index } : undefined;
}
