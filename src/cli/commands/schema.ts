import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findPackageRoot } from '../../runbook/read-runbook.js';
import { EXIT } from '../exit-codes.js';
import type { Output } from '../output.js';

export async function schemaCommand(output: Output): Promise<number> {
  // The shipped schema/runbook.schema.json is the zod schema's JSON Schema, kept identical by a
  // snapshot test (test/runbook/json-schema.test.ts): printing it spares loading zod and
  // converting the schema at every call (issue 13). Generated only if the file is missing.
  let text: string;
  try {
    text = readFileSync(join(findPackageRoot(import.meta.url), 'schema', 'runbook.schema.json'), 'utf8').trimEnd();
  } catch {
    const { runbookJsonSchema } = await import('../../runbook/json-schema.js');
    text = JSON.stringify(runbookJsonSchema(), null, 2);
  }
  output.out(text);
  return EXIT.ok;
}
