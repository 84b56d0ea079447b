import { describe, expect, it } from 'vitest';
import { BASE, load, mutate, pos, problems } from './fixtures.js';

const DEMOTE_ACTION = `    action:
      on: sqlserver
      sql: ALTER AVAILABILITY GROUP {{ident link}} SET (ROLE = SECONDARY)
`;

describe('checkDocument: steps', () => {
  it('reports a duplicate step id on the second id', () => {
    const text = mutate('  - id: done', '  - id: demote');
    expect(problems(text)).toEqual([`DUPLICATE_STEP_ID@${pos(text, 'demote', 'id: demote\n    title: Done')}`]);
    expect(load(text).diagnostics[0]?.path).toEqual(['steps', 3, 'id']);
  });

  it('reports a step without a body on the step', () => {
    const text = mutate('    end: { outcome: fixed, message: "The link has one primary again." }\n', '');
    expect(problems(text)).toEqual([`BAD_STEP_BODY@${pos(text, 'id: done')}`]);
  });

  it('reports a second body on its key', () => {
    const text = mutate('      expect: "rows.size() == 1"\n', '      expect: "rows.size() == 1"\n    end: { outcome: fixed, message: x }\n');
    expect(problems(text)).toEqual([`BAD_STEP_BODY@${pos(text, 'end: { outcome: fixed, message: x')}`]);
  });

  it('requires impact on actions and refuses it elsewhere', () => {
    expect(problems(mutate('    impact: destructive\n', ''))).toEqual(
      // no impact: not destructive, so no confirm rule either; the action key is blamed
      [`BAD_STEP_BODY@${pos(mutate('    impact: destructive\n', ''), 'action:')}`],
    );
    const text = mutate('    title: Done\n', '    title: Done\n    impact: change\n');
    expect(problems(text)).toEqual([`BAD_STEP_BODY@${pos(text, 'impact: change')}`]);
  });

  it('refuses action-only fields on other steps', () => {
    const text = mutate('    title: Done\n', '    title: Done\n    recheck: [roles]\n');
    expect(problems(text)).toEqual([`BAD_STEP_BODY@${pos(text, 'recheck', 'title: Done')}`]);
  });

  it('refuses next on end and decide steps', () => {
    const text = mutate('    title: Done\n', '    title: Done\n    next: roles\n');
    expect(problems(text)).toEqual([`BAD_STEP_BODY@${pos(text, 'next: roles')}`]);
    const decide = mutate(
      '    end: { outcome: nothing-to-do, message: "Only one side is PRIMARY." }\n',
      '    next: done\n    decide: { prompt: Which?, choices: [{ label: go, next: demote }] }\n',
    );
    expect(problems(decide)).toEqual([`BAD_STEP_BODY@${pos(decide, 'next: done')}`]);
  });

  it('reports unknown step references with a suggestion', () => {
    let text = mutate('    title: Done\n', '    title: Done\n    onFail: demot\n');
    text = mutate('      evidence: [roles]', '      evidence: [role]', text);
    text = mutate('    recheck: [roles]', '    recheck: [rolez]', text);
    const loaded = load(text);
    expect(problems(text)).toEqual([
      `UNKNOWN_STEP@${pos(text, 'role]')}`,
      `UNKNOWN_STEP@${pos(text, 'rolez')}`,
      `BAD_STEP_BODY@${pos(text, 'onFail')}`,
      `UNKNOWN_STEP@${pos(text, 'demot\n')}`,
    ]);
    expect(loaded.diagnostics[0]?.message).toContain('did you mean "roles"?');
    expect(loaded.diagnostics[3]?.message).toContain('did you mean "demote"?');
  });

  it('reports an unknown decide target', () => {
    const text = mutate(
      '    end: { outcome: nothing-to-do, message: "Only one side is PRIMARY." }\n',
      '    decide: { prompt: Which?, choices: [{ label: go, next: demoet }] }\n',
    );
    expect(problems(text)).toEqual([`UNKNOWN_STEP@${pos(text, 'demoet')}`]);
  });

  it('requires recheck to name check steps', () => {
    const text = mutate('    recheck: [roles]', '    recheck: [not-split]');
    expect(problems(text)).toEqual([`BAD_VALUE@${pos(text, 'not-split]')}`]);
  });
});

describe('checkDocument: queries', () => {
  it('reports unknown target roles on the role', () => {
    const text = mutate('      on: [sqlserver, mi]', '      on: [sqlserver, mj]');
    expect(problems(text)).toEqual([`UNKNOWN_TARGET@${pos(text, 'mj]')}`]);
    expect(load(text).diagnostics[0]?.message).toContain('did you mean "mi"?');
    const scalar = mutate('    verify:\n      on: sqlserver', '    verify:\n      on: sqlsrv');
    expect(problems(scalar)).toEqual([`UNKNOWN_TARGET@${pos(scalar, 'sqlsrv')}`]);
  });

  it('requires exactly one of sql and azure', () => {
    const both = mutate('    verify:\n      on: sqlserver\n', '    verify:\n      on: sqlserver\n      azure: { operation: get }\n');
    expect(problems(both)).toEqual([`BAD_STEP_BODY@${pos(both, 'azure')}`]);
    const neither = mutate('      sql: SELECT role_desc', '      foo: SELECT role_desc').replace('      foo: ', '      # ');
    expect(problems(neither)).toEqual([`BAD_STEP_BODY@${pos(neither, 'verify:')}`]);
  });

  it('runs azure calls on exactly one target, and defaults link to a declared parameter', () => {
    const text = mutate(
      '      sql: |\n        SELECT rs.role_desc AS role\n        FROM sys.availability_groups ag\n        WHERE ag.name = @link\n',
      '      azure: { operation: get }\n',
    );
    expect(problems(text)).toEqual([`BAD_STEP_BODY@${pos(text, '[sqlserver, mi]', 'id: roles')}`]);
    const noLink = mutate('      on: [sqlserver, mi]', '      on: mi', text)
      .replace('  link: { type: identifier, description: distributed availability group name }', '  ag: { type: identifier, description: distributed availability group name }')
      .replaceAll('{{ident link}}', '{{ident ag}}')
      .replace('typeToConfirm: link', 'typeToConfirm: ag');
    expect(problems(noLink)).toEqual([`UNKNOWN_PARAM@${pos(noLink, 'azure')}`]);
  });
});

describe('checkDocument: safety rules', () => {
  it('refuses a destructive action without confirm, on its impact', () => {
    const text = mutate('    confirm:\n      evidence: [roles]\n      typeToConfirm: link\n', '');
    expect(problems(text)).toEqual([`DESTRUCTIVE_WITHOUT_CONFIRM@${pos(text, 'destructive')}`]);
  });

  it('refuses a destructive confirm without typeToConfirm, on confirm', () => {
    const text = mutate('      typeToConfirm: link\n', '');
    expect(problems(text)).toEqual([`DESTRUCTIVE_WITHOUT_CONFIRM@${pos(text, 'confirm:')}`]);
  });

  it('allows a change action without confirm', () => {
    const text = mutate('    confirm:\n      evidence: [roles]\n      typeToConfirm: link\n', '', mutate('impact: destructive', 'impact: change'));
    expect(problems(text)).toEqual([]);
  });

  it('refuses an action without verify, on the action key', () => {
    const text = mutate(
      `    verify:\n      on: sqlserver\n      sql: SELECT role_desc AS role FROM sys.dm_hadr_availability_replica_states WHERE is_local = 1\n      expect: "rows[0].role == 'SECONDARY'"\n`,
      '',
    );
    expect(text).toContain(DEMOTE_ACTION);
    expect(problems(text)).toEqual([`CHANGE_WITHOUT_VERIFY@${pos(text, 'action:')}`]);
  });

  it.each([
    ['ALTER in a verify', 'verify', 'ALTER AVAILABILITY GROUP [x] FAILOVER', 'ALTER'],
    ['a second statement that drops', 'verify', 'SELECT 1 AS x; DROP CERTIFICATE c', 'DROP'],
    ['EXEC after a read, with no semicolon (T-SQL needs none)', 'verify', 'SELECT 1 AS x EXEC sp_configure', 'EXEC'],
    ['DBCC other than TRACESTATUS', 'verify', 'DBCC TRACEON (12381, -1)', 'DBCC'],
  ])('refuses %s: only actions change (CHANGE_OUTSIDE_ACTION on the verb)', (_, field, sql, verb) => {
    const text = mutate(
      "      sql: SELECT role_desc AS role FROM sys.dm_hadr_availability_replica_states WHERE is_local = 1\n      expect: \"rows[0].role == 'SECONDARY'\"\n",
      `      sql: "${sql}"\n      expect: "rows.size() == 1"\n`,
    );
    expect(field).toBe('verify');
    expect(problems(text)).toEqual([`CHANGE_OUTSIDE_ACTION@${pos(text, verb, 'sql: "' + sql.slice(0, 6))}`]);
  });

  it('refuses an Azure change in a check: only actions may do more than get', () => {
    const text = mutate('      on: [sqlserver, mi]\n      sql: |\n        SELECT rs.role_desc AS role\n        FROM sys.availability_groups ag\n        WHERE ag.name = @link\n', '      on: mi\n      azure: { operation: delete }\n');
    expect(problems(text)).toEqual([`CHANGE_OUTSIDE_ACTION@${pos(text, 'delete')}`]);
  });

  it.each([
    ['putTrustCertificate', "{ operation: putTrustCertificate, certificate: c1, body: { properties: { publicBlob: '0x01' } } }"],
    ['deleteTrustCertificate', '{ operation: deleteTrustCertificate, certificate: c1 }'],
  ])('refuses the trust-certificate change %s in a check (CHANGE_OUTSIDE_ACTION)', (op, call) => {
    const text = mutate('      on: [sqlserver, mi]\n      sql: |\n        SELECT rs.role_desc AS role\n        FROM sys.availability_groups ag\n        WHERE ag.name = @link\n', `      on: mi\n      azure: ${call}\n`);
    expect(problems(text)).toEqual([`CHANGE_OUTSIDE_ACTION@${pos(text, op)}`]);
  });

  it.each([
    ['getInstance', '{ operation: getInstance, apiVersion: 2025-01-01 }'],
    ['listTrustCertificates', '{ operation: listTrustCertificates }'],
    ['getTrustCertificate', '{ operation: getTrustCertificate, certificate: { cel: "params.link + \'_cert\'" } }'],
    ['get at an older api-version', '{ operation: get, apiVersion: 2022-08-01-preview }'],
  ])('allows the Azure read %s in a check', (_, call) => {
    const text = mutate('      on: [sqlserver, mi]\n      sql: |\n        SELECT rs.role_desc AS role\n        FROM sys.availability_groups ag\n        WHERE ag.name = @link\n', `      on: mi\n      azure: ${call}\n`);
    expect(problems(text)).toEqual([]);
  });

  it.each([
    ['a certificate operation without certificate', '{ operation: getTrustCertificate }', 'BAD_STEP_BODY', 'azure: { operation: getT'],
    ['a certificate on a link operation', '{ operation: get, certificate: c1 }', 'BAD_STEP_BODY', 'certificate: c1'],
    ['a link on an instance operation', '{ operation: getInstance, link: L }', 'BAD_STEP_BODY', 'link: L'],
    ['a body on a read', '{ operation: get, body: { a: 1 } }', 'BAD_STEP_BODY', 'body: { a'],
  ])('refuses %s', (_, call, code, at) => {
    const text = mutate('      on: [sqlserver, mi]\n      sql: |\n        SELECT rs.role_desc AS role\n        FROM sys.availability_groups ag\n        WHERE ag.name = @link\n', `      on: mi\n      azure: ${call}\n`);
    expect(problems(text)).toEqual([`${code}@${pos(text, at)}`]);
  });

  it('refuses an api-version the spec does not define (schema)', () => {
    const text = mutate('      on: [sqlserver, mi]\n      sql: |\n        SELECT rs.role_desc AS role\n        FROM sys.availability_groups ag\n        WHERE ag.name = @link\n', '      on: mi\n      azure: { operation: get, apiVersion: 2024-01-01 }\n');
    expect(problems(text)).toEqual([`BAD_VALUE@${pos(text, '2024-01-01')}`]);
  });

  it('lets reads mention changing verbs in comments, strings and names', () => {
    const text = mutate(
      "      sql: SELECT role_desc AS role FROM sys.dm_hadr_availability_replica_states WHERE is_local = 1\n",
      "      sql: \"-- ALTER nothing\\nSELECT role_desc AS role, 'DROP' AS [delete] FROM sys.dm_hadr_availability_replica_states WHERE is_local = 1\\n  AND 1 = 1; DBCC TRACESTATUS (1) WITH NO_INFOMSGS\"\n",
    );
    expect(problems(text)).toEqual([]);
  });

  it('requires typeToConfirm and metadata.lock to name parameters', () => {
    let text = mutate('      typeToConfirm: link', '      typeToConfirm: lnk');
    text = mutate('  title: Recover a Managed', '  lock: likn\n  title: Recover a Managed', text);
    const loaded = load(text);
    expect(problems(text)).toEqual([`UNKNOWN_PARAM@${pos(text, 'likn')}`, `UNKNOWN_PARAM@${pos(text, 'lnk')}`]);
    expect(loaded.diagnostics.every((d) => d.message.includes('did you mean "link"?'))).toBe(true);
  });

  it('refuses typeToConfirm naming a parameter nobody can recognise by typing', () => {
    const text = mutate('      typeToConfirm: link', '      typeToConfirm: force', mutate('parameters:\n', 'parameters:\n  force: { type: bool, description: x }\n'));
    expect(problems(text)).toEqual([`BAD_CONFIRM@${pos(text, 'force', 'typeToConfirm')}`]);
  });
});

describe('checkDocument: parameters', () => {
  const withParam = (decl: string) => mutate('parameters:\n', `parameters:\n  p: ${decl}\n`);

  it.each([
    ['{ type: enum, values: [a, b], default: c, description: x }', 'c,'],
    ['{ type: enum, values: [a, a], description: x }', 'a]'],
    ['{ type: int, min: 1, max: 5, default: 9, description: x }', '9,'],
    ['{ type: int, min: 5, max: 1, description: x }', '5,'],
    ['{ type: identifier, default: "", description: x }', '"",'],
    ['{ type: identifier, default: "a\\tb", description: x }', '"a\\tb"'],
    ['{ type: string, pattern: "(", description: x }', '"("'],
    ['{ type: string, pattern: "[a-z]+", default: "ABC", description: x }', '"ABC"'],
    ['{ type: string, maxLength: 2, default: "abc", description: x }', '"abc"'],
  ])('refuses %s as BAD_VALUE on the offending value', (decl, needle) => {
    const text = withParam(decl);
    expect(problems(text)).toEqual([`BAD_VALUE@${pos(text, needle, '  p: ')}`]);
  });

  it('accepts valid defaults', () => {
    expect(problems(withParam('{ type: enum, values: [a, b], default: b, description: x }'))).toEqual([]);
    expect(problems(withParam('{ type: int, min: 1, max: 5, default: 5, description: x }'))).toEqual([]);
    expect(problems(withParam('{ type: identifier, default: "AG ]Sales", description: x }'))).toEqual([]);
  });
});

describe('checkDocument: SQL templates', () => {
  it('reports an unknown placeholder at its exact position in a plain scalar', () => {
    const text = mutate('{{ident link}}', '{{ name link }}');
    expect(problems(text)).toEqual([`BAD_SQL_TEMPLATE@${pos(text, '{{ name')}`]);
  });

  it('reports an undeclared ident parameter with a suggestion', () => {
    const text = mutate('{{ident link}}', '{{ident lnk}}');
    expect(problems(text)).toEqual([`UNKNOWN_PARAM@${pos(text, '{{ident lnk}}')}`]);
    expect(load(text).diagnostics[0]?.message).toContain('did you mean "link"?');
  });

  it('refuses {{ident}} of a non-identifier parameter', () => {
    const text = mutate('{{ident link}}', '{{ident keep}}');
    expect(problems(text)).toEqual([`BAD_SQL_TEMPLATE@${pos(text, '{{ident keep}}')}`]);
  });

  it('reports an unbound @name inside a literal block at its line and column', () => {
    const text = mutate('        WHERE ag.name = @link\n', '        WHERE ag.name = @link\n          AND x = @lnik\n');
    expect(problems(text)).toEqual([`UNKNOWN_PARAM@${pos(text, '@lnik')}`]);
  });

  it('accepts @names listed under bind, and ignores globals, strings, comments and declared variables', () => {
    const text = mutate(
      '        WHERE ag.name = @link\n',
      "        WHERE ag.name = @link AND @gap > 0 -- @nope\n        AND @@SERVERNAME <> N'@nope' AND [@nope] IS NULL\n      bind: { gap: \"facts.roles.mi[0].lsn\" }\n",
    );
    expect(problems(text)).toEqual([]);
  });

  it('falls back to the whole scalar when the source does not map 1:1', () => {
    const text = mutate(
      '      sql: ALTER AVAILABILITY GROUP {{ident link}} SET (ROLE = SECONDARY)',
      '      sql: "ALTER AVAILABILITY GROUP\\t{{ident lnk}} SET (ROLE = SECONDARY)"',
    );
    expect(problems(text)).toEqual([`UNKNOWN_PARAM@${pos(text, '"ALTER AVAILABILITY GROUP\\t')}`]);
  });

  it('maps into folded-free double-quoted scalars past the quote', () => {
    const text = mutate(
      '      sql: ALTER AVAILABILITY GROUP {{ident link}} SET (ROLE = SECONDARY)',
      '      sql: "ALTER AVAILABILITY GROUP {{ident lnk}} SET (ROLE = SECONDARY)"',
    );
    expect(problems(text)).toEqual([`UNKNOWN_PARAM@${pos(text, '{{ident lnk}}')}`]);
  });

  it('reports a placeholder inside a string literal', () => {
    const text = mutate('{{ident link}}', "'{{literal link}}'");
    expect(problems(text)).toEqual([`BAD_SQL_TEMPLATE@${pos(text, '{{literal link}}')}`]);
  });
});
