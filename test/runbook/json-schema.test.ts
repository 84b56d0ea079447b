/**
 * schema/runbook.schema.json is generated from the zod schema. If this test fails after a schema
 * change, regenerate with: npx vitest run test/runbook/json-schema.test.ts -u
 */
import { describe, expect, it } from 'vitest';
import { runbookJsonSchema, RUNBOOK_SCHEMA_ID } from '../../src/runbook/json-schema.js';

describe('runbookJsonSchema', () => {
  const schema = runbookJsonSchema() as Record<string, any>;

  it('is a draft 2020-12 schema with our $id', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toBe(RUNBOOK_SCHEMA_ID);
    expect(schema.required).toEqual(expect.arrayContaining(['apiVersion', 'kind', 'metadata', 'targets', 'steps']));
  });

  it('describes what an author writes: defaulted fields are optional, unknown fields refused', () => {
    expect(schema.required).not.toContain('parameters');
    expect(schema.additionalProperties).toBe(false);
    const step = schema.properties.steps.items;
    expect(step.additionalProperties).toBe(false);
    expect(step.properties.wait.properties.interval.default).toBe('5s');
    expect(step.properties.wait.required).not.toContain('interval');
  });

  it('matches the committed schema/runbook.schema.json (regenerate with -u)', async () => {
    await expect(`${JSON.stringify(schema, null, 2)}\n`).toMatchFileSnapshot('../../schema/runbook.schema.json');
  });
});
