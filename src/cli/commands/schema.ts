import { runbookJsonSchema } from '../../runbook/json-schema.js';
import { EXIT } from '../exit-codes.js';
import type { Output } from '../output.js';

export async function schemaCommand(output: Output): Promise<number> {
  output.out(JSON.stringify(runbookJsonSchema(), null, 2));
  return EXIT.ok;
}
