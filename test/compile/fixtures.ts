/** Runbook fixtures for the compile tests, parsed with the schema so defaults are filled in. */
import { parse } from 'yaml';
import { RunbookSchema, type Runbook } from '../../src/runbook/schema.js';

export function runbookFrom(yaml: string): Runbook {
  return RunbookSchema.parse(parse(yaml));
}

/** Builds a runbook from a header and a YAML list of steps. */
export function withSteps(steps: string, extra = ''): Runbook {
  return runbookFrom(`
apiVersion: agmedic/v1
kind: Runbook
metadata: { name: t, title: test runbook }
parameters:
  link: { type: identifier, description: the link }
  keep: { type: enum, values: [sqlserver, managedInstance], description: which side stays primary }
  maxLag: { type: int, description: tolerated lag, required: false, default: 10 }
targets: [sqlserver, mi]
${extra}
steps:
${steps}`);
}

export const splitBrain = withSteps(`
  - id: roles
    title: Read the link role on both sides
    check:
      on: [sqlserver, mi]
      sql: SELECT role_desc AS role FROM sys.dm_hadr_availability_replica_states WHERE ag = @link
      expect: "rows.size() == 1"
    retry: { max: 2, delay: 2s }
  - id: not-split
    title: Nothing to do
    when: "!(facts.roles.sqlserver[0].role == 'PRIMARY' && facts.roles.mi[0].role == 'PRIMARY')"
    end: { outcome: nothing-to-do, message: "Only one side is PRIMARY." }
  - id: pick
    title: Which side stays primary
    decide:
      prompt: Keep which side?
      choices:
        - { label: keep the managed instance, next: demote, when: "params.keep == 'managedInstance'" }
        - { label: stop here, next: manual }
  - id: demote
    title: Make the old primary a secondary
    impact: destructive
    action:
      on: sqlserver
      sql: ALTER AVAILABILITY GROUP {{ident link}} SET (ROLE = SECONDARY)
    confirm:
      evidence: [roles]
      show: { sqlRole: "facts.roles.sqlserver[0].role" }
      typeToConfirm: link
    recheck: [roles]
    requires: "facts.roles.mi[0].role == 'PRIMARY'"
    verify:
      on: sqlserver
      sql: SELECT role_desc AS role FROM sys.dm_hadr_availability_replica_states WHERE ag = @link
      expect: "rows[0].role == 'SECONDARY'"
    retry: { max: 3, delay: 5s }
  - id: settle
    title: Wait for the link to synchronise
    wait:
      on: mi
      sql: SELECT synchronization_state_desc AS s FROM sys.dm_hadr_database_replica_states
      until: "rows.all(r, r.s == 'SYNCHRONIZED')"
      interval: 10s
      timeout: 5m
    onFail: manual
  - id: done
    title: Fixed
    end: { outcome: fixed, message: "The link has one primary again." }
  - id: manual
    title: Hand over
    end: { outcome: manual, message: "Continue by hand." }
`);
