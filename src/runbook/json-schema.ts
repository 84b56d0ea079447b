/**
 * The JSON Schema of the runbook format, derived from the zod schema so the two cannot drift.
 * Editors use it for completion (`# yaml-language-server: $schema=…`); `agmedic schema` prints it
 * and `schema/runbook.schema.json` ships it (a snapshot test keeps the file current).
 */
import { z } from 'zod';
import { RunbookSchema } from './schema.js';

export const RUNBOOK_SCHEMA_ID = 'https://agmedic.dev/schema/runbook.schema.json';

/**
 * The runbook JSON Schema (draft 2020-12), describing what an author may write: fields with
 * defaults are optional.
 *
 * @example
 * writeFileSync('runbook.schema.json', JSON.stringify(runbookJsonSchema(), null, 2) + '\n');
 */
export function runbookJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(RunbookSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: RUNBOOK_SCHEMA_ID,
    title: 'agmedic runbook',
    description:
      'A guided-remediation runbook for SQL Server Always On availability groups and the Azure SQL Managed Instance link (apiVersion agmedic/v1). See docs/runbook-format.md.',
    ...rest,
  };
}
