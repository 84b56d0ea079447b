/** A small valid runbook the tests mutate, and helpers that reduce diagnostics to code@line:col. */
import { expect } from 'vitest';
import { lineColOf, type Diagnostic } from '../../src/errors.js';
import { loadRunbook } from '../../src/runbook/load-runbook.js';
import type { LoadedRunbook } from '../../src/runbook/types.js';

export const BASE = `apiVersion: agmedic/v1
kind: Runbook
metadata:
  name: split-brain-recovery
  title: Recover a Managed Instance link from split brain
parameters:
  link: { type: identifier, description: distributed availability group name }
  keep: { type: enum, values: [sqlserver, managedInstance], description: which side stays primary }
targets: [sqlserver, mi]
steps:
  - id: roles
    title: Read the link role on both sides
    check:
      on: [sqlserver, mi]
      sql: |
        SELECT rs.role_desc AS role
        FROM sys.availability_groups ag
        WHERE ag.name = @link
      expect: "rows.size() == 1"
  - id: not-split
    title: Nothing to do
    when: "facts.roles.mi[0].role != 'PRIMARY'"
    end: { outcome: nothing-to-do, message: "Only one side is PRIMARY." }
  - id: demote
    title: Make the old primary a secondary
    impact: destructive
    action:
      on: sqlserver
      sql: ALTER AVAILABILITY GROUP {{ident link}} SET (ROLE = SECONDARY)
    confirm:
      evidence: [roles]
      typeToConfirm: link
    recheck: [roles]
    verify:
      on: sqlserver
      sql: SELECT role_desc AS role FROM sys.dm_hadr_availability_replica_states WHERE is_local = 1
      expect: "rows[0].role == 'SECONDARY'"
  - id: done
    title: Done
    end: { outcome: fixed, message: "The link has one primary again." }
`;

export function load(text: string, name = 'test.yaml'): LoadedRunbook {
  return loadRunbook({ name, text });
}

/** `CODE@line:col` for each diagnostic, in source order. */
export function where(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => {
    const { line, col } = lineColOf(d.source!.text, d.range!.start);
    return `${d.code}@${line}:${col}`;
  });
}

/** Loads `text` and returns `CODE@line:col` of its diagnostics. */
export function problems(text: string): string[] {
  return where(load(text).diagnostics);
}

/** Replaces exactly one occurrence of `from` in BASE (fails loudly if the fixture drifted). */
export function mutate(from: string, to: string, text = BASE): string {
  expect(text.split(from).length - 1, `fixture should contain ${JSON.stringify(from)} once`).toBe(1);
  return text.replace(from, to);
}

/** 1-based line:col of the first occurrence of `needle` (optionally after `after`). */
export function pos(text: string, needle: string, after = ''): string {
  const from = after ? text.indexOf(after) : 0;
  const at = text.indexOf(needle, from);
  if (at === -1 || from === -1) throw new Error(`fixture has no ${JSON.stringify(needle)}`);
  const { line, col } = lineColOf(text, at);
  return `${line}:${col}`;
}
