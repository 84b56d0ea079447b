/**
 * Property: whatever the bytes, the runbook, targets, approval and plan loaders end in a result or
 * a coded AgmedicError — never a TypeError (exit 70). A fixed seed and bounded runs here; longer
 * campaigns with a fresh seed: `scripts/fuzz-loaders.sh RUNS [SEED]`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { checkSource } from '../../src/cli/load-and-compile.js';
import { readSavedPlan } from '../../src/cli/read-saved-plan.js';
import { isAgmedicError } from '../../src/errors.js';
import { readApprovalFile } from '../../src/runtime/approval/read-approval-file.js';
import { parseTargets } from '../../src/runtime/targets/index.js';
import { BASE } from '../runbook/fixtures.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const RUNS = Number(process.env.FUZZ_RUNS ?? 0);
const runs = (ci: number) => ({ seed: SEED, numRuns: RUNS > 0 ? RUNS : ci, endOnFailure: true });

/** Keys that break plain objects, names SQL Server and YAML treat specially, and odd characters. */
const NASTY = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'prototype', 'valueOf', 'steps', 'id', 'on', 'y', 'no', '~', '*a', '&a', '<<', '!!js/function', "'", '"', '\u202e', '\u200b', '{{ident link}}', '@link', ']]', '%', '\0'];

const TARGETS = `targets:
  sqlserver:
    server: sql01
    port: 1433
    auth: &auth { type: sql, user: agmedic, passwordEnv: P }
  mi:
    connectionString: "Server=mi01;Database=master;Encrypt=strict"
    auth: *auth
    azure: { subscriptionId: s, resourceGroup: g, instance: i }
`;

const APPROVAL = JSON.stringify({
  version: 1,
  runbook: { name: 'split-brain-recovery', sha256: 'a'.repeat(64) },
  targets: ['sql01,1433'],
  parameters: { link: { equals: 'SalesLink' }, keep: { oneOf: ['sqlserver'] } },
  approver: 'alice',
  issuedAt: '2026-01-01T00:00:00Z',
  expiresAt: '2027-01-01T00:00:00Z',
  keyId: '0123456789abcdef',
  signature: `${'A'.repeat(86)}==`,
});

const PLAN = JSON.stringify({ planVersion: 1, runbook: { name: 'split-brain-recovery', sha256: 'b'.repeat(64) }, parameters: { link: 'SalesLink' }, steps: [] });

/** Small edits of a valid document: replace, insert or delete a span, or splice in a nasty token. */
function mutated(doc: string): fc.Arbitrary<string> {
  const edit = fc.tuple(fc.nat({ max: doc.length }), fc.nat({ max: 40 }), fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom(...NASTY), fc.constantFrom('\n  - ', ': ', '\n', '[', '{', '&x ', '*x', '- id: constructor\n    title: t\n    end: { outcome: fixed, message: m }\n')));
  return fc.array(edit, { minLength: 1, maxLength: 6 }).map((edits) => {
    let s = doc;
    for (const [at, del, ins] of edits) {
      const i = Math.min(at, s.length);
      s = s.slice(0, i) + ins + s.slice(i + Math.min(del, 8));
    }
    return s;
  });
}

/** Whole-word substitutions of keys and ids with nasty names, keeping the document well-formed. */
function renamed(doc: string, words: string[]): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...words), fc.constantFrom(...NASTY)).map(([w, n]) => doc.split(w).join(n));
}

const structured = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.constantFrom(null, true, 0, -1, 1e308, '', 'x'), fc.string(), tie('obj'), fc.array(tie('value'), { maxLength: 4 })),
  obj: fc.dictionary(fc.oneof(fc.constantFrom(...NASTY), fc.string({ maxLength: 8 })), tie('value'), { maxKeys: 5 }),
})).obj;

function expectCoded(run: () => unknown): void {
  try {
    run();
  } catch (err) {
    if (!isAgmedicError(err) || err.code === 'INTERNAL') throw err;
  }
}

async function expectCodedAsync(run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (err) {
    if (!isAgmedicError(err) || err.code === 'INTERNAL') throw err;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'agmedic-fuzz-'));
let n = 0;
const file = (text: string, ext: string): string => {
  const path = join(dir, `f${n++ % 16}.${ext}`);
  writeFileSync(path, text);
  return path;
};

describe('loaders end in a coded error, whatever the input', () => {
  it('runbook: load + compile', () => {
    const runbookText = fc.oneof(
      { arbitrary: mutated(BASE), weight: 5 },
      { arbitrary: renamed(BASE, ['roles', 'demote', 'link', 'sqlserver', 'mi', 'keep', 'done']), weight: 3 },
      { arbitrary: structured.map((o) => stringify({ apiVersion: 'agmedic/v1', kind: 'Runbook', ...o })), weight: 1 },
      { arbitrary: fc.string({ maxLength: 200 }), weight: 1 },
    );
    fc.assert(fc.property(runbookText, (text) => expectCoded(() => checkSource({ name: 'fuzz.yaml', text }))), runs(200));
  }, 120_000);

  it('targets file', () => {
    const targetsText = fc.oneof(
      { arbitrary: mutated(TARGETS), weight: 5 },
      { arbitrary: renamed(TARGETS, ['sqlserver', 'server', 'auth', 'azure', 'Encrypt', 'mi', 'passwordEnv']), weight: 2 },
      { arbitrary: structured.map((o) => stringify({ targets: o })), weight: 2 },
      { arbitrary: fc.string({ maxLength: 200 }), weight: 1 },
    );
    fc.assert(fc.property(targetsText, (text) => expectCoded(() => parseTargets(text, 'fuzz.yaml', '/'))), runs(400));
  }, 120_000);

  it('approval file', async () => {
    const approvalText = fc.oneof(
      { arbitrary: mutated(APPROVAL), weight: 4 },
      { arbitrary: renamed(APPROVAL, ['version', 'runbook', 'parameters', 'equals', 'oneOf', 'link', 'targets']), weight: 2 },
      { arbitrary: structured.map((o) => JSON.stringify(o)), weight: 2 },
      { arbitrary: fc.string({ maxLength: 200 }), weight: 1 },
    );
    await fc.assert(fc.asyncProperty(approvalText, (text) => expectCodedAsync(() => readApprovalFile(file(text, 'json')))), runs(300));
  }, 120_000);

  it('saved plan', () => {
    const planText = fc.oneof(
      { arbitrary: mutated(PLAN), weight: 4 },
      { arbitrary: renamed(PLAN, ['planVersion', 'runbook', 'parameters', 'link', 'steps']), weight: 2 },
      { arbitrary: structured.map((o) => JSON.stringify(o)), weight: 2 },
    );
    fc.assert(fc.property(planText, (text) => expectCoded(() => readSavedPlan(file(text, 'json')))), runs(300));
  }, 120_000);

  it('the crashes found before stay fixed: id constructor, 51+ aliases of one anchor', () => {
    const ctor = BASE.split('roles').join('constructor');
    const checked = checkSource({ name: 'ctor.yaml', text: ctor });
    expect(checked.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code)).toEqual([]);
    expect(checked.compiled?.machine).toBeDefined();
    const tooMany = `${BASE.split('\nsteps:\n')[0]}\nsteps:\n${Array.from({ length: 10_001 }, (_, i) => `  - { id: s${i}, title: t, end: { outcome: fixed, message: m } }`).join('\n')}\n`;
    expect(checkSource({ name: 'big.yaml', text: tooMany }).diagnostics.map((d) => d.code)).toEqual(['RUNBOOK_TOO_LARGE']);
  });
});
