/**
 * The runbook stage: YAML → validated {@link Runbook} with source positions, the SQL template
 * language, the canonical hash and the JSON Schema.
 *
 * @example
 * import { loadRunbook, readRunbookSource, shippedRunbooksDir, runbookSha256 } from '../runbook/index.js';
 * const source = readRunbookSource('split-brain-recovery', { runbooksDir: shippedRunbooksDir() });
 * const loaded = loadRunbook(source);
 * if (loaded.runbook) console.log(runbookSha256(loaded.runbook));
 * else console.error(formatDiagnostics(loaded.diagnostics));
 */
export { loadRunbook } from './load-runbook.js';
export { checkDocument, type CheckContext } from './check-document.js';
export { createPositionIndex } from './positions.js';
export {
  parseSqlTemplate,
  renderSqlTemplate,
  quoteIdentifier,
  quoteLiteral,
  identifierProblem,
  literalProblem,
  MAX_IDENTIFIER_LENGTH,
  MAX_LITERAL_LENGTH,
} from './sql-template.js';
export { canonicalJson, runbookSha256 } from './canonical.js';
export { runbookJsonSchema, RUNBOOK_SCHEMA_ID } from './json-schema.js';
export { readRunbookSource, findPackageRoot, shippedRunbooksDir } from './read-runbook.js';
export { listRunbooks } from './list-runbooks.js';
export { closest, didYouMean } from './suggest.js';
export type { LoadedRunbook, NodePath, ParsedSqlTemplate, PositionIndex, SqlTemplatePart, SqlTemplateProblem } from './types.js';
export * from './schema.js';
