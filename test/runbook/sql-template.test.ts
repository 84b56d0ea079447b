import { describe, expect, it } from 'vitest';
import { isAgmedicError } from '../../src/errors.js';
import { parseSqlTemplate, renderSqlTemplate } from '../../src/runbook/sql-template.js';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return isAgmedicError(err) ? err.code : `not an AgmedicError: ${String(err)}`;
  }
  return 'did not throw';
};

describe('parseSqlTemplate', () => {
  it('splits text and placeholders with their offsets', () => {
    const sql = 'ALTER AVAILABILITY GROUP {{ident link}} MODIFY REPLICA ON {{ literal  replica }} WITH (x = 1)';
    const t = parseSqlTemplate(sql);
    expect(t.problems).toEqual([]);
    expect(t.parts).toEqual([
      { kind: 'text', text: 'ALTER AVAILABILITY GROUP ' },
      { kind: 'ident', param: 'link', offset: 25, length: 14 },
      { kind: 'text', text: ' MODIFY REPLICA ON ' },
      { kind: 'literal', param: 'replica', offset: 58, length: 22 },
      { kind: 'text', text: ' WITH (x = 1)' },
    ]);
  });

  it('finds bound @names once each, in order, ignoring globals, strings, identifiers and comments', () => {
    const sql = [
      "SELECT @b, @a, @b, @@SERVERNAME, @@VERSION FROM t WHERE x = N'@s' AND y = '@t''@u' AND [@v] = \"@w\"",
      '-- @c in a comment',
      '/* @d /* nested @e */ still @f */ AND z = @last',
    ].join('\n');
    const t = parseSqlTemplate(sql);
    expect(t.boundNames).toEqual(['b', 'a', 'last']);
    expect(t.boundAt.map((u) => [u.name, sql.slice(u.offset, u.offset + u.length)])).toEqual([
      ['b', '@b'],
      ['a', '@a'],
      ['b', '@b'],
      ['last', '@last'],
    ]);
  });

  it('ignores variables the batch declares, including later names in the list', () => {
    const sql = 'DECLARE @x int = @p, @t TABLE (a int, b int), @y nvarchar(10); SELECT @x, @y, @q FROM @t; declare @Z int SELECT @z, @r';
    expect(parseSqlTemplate(sql).boundNames).toEqual(['p', 'q', 'r']);
  });

  it('ends a DECLARE list at the next statement even without a semicolon', () => {
    expect(parseSqlTemplate('DECLARE @x int = 1 SELECT @x, @p').boundNames).toEqual(['p']);
  });

  it.each([
    ['{{ name x }}', 'SELECT {{ name x }}'],
    ['{{ident}}', 'SELECT {{ident}}'],
    ['{{ident a b}}', 'SELECT {{ident a b}}'],
    ['{{raw x}}', 'SELECT {{raw x}}'],
    ['{{ident x', 'SELECT {{ident x'],
  ])('reports %s as BAD_SQL_TEMPLATE at its offset', (needle, sql) => {
    const t = parseSqlTemplate(sql);
    expect(t.problems.map((p) => [p.code, p.offset])).toEqual([['BAD_SQL_TEMPLATE', sql.indexOf(needle)]]);
  });

  it.each([
    ["SELECT '{{ident x}}'", 'string'],
    ['SELECT [{{ident x}}]', 'quoted identifier'],
    ['SELECT 1 -- {{ident x}}', 'comment'],
    ['SELECT 1 /* {{ident x}} */', 'comment'],
  ])('refuses a placeholder inside a %s (%s)', (sql) => {
    const t = parseSqlTemplate(sql);
    expect(t.problems.map((p) => [p.code, p.offset, p.length])).toEqual([['BAD_SQL_TEMPLATE', sql.indexOf('{{'), '{{ident x}}'.length]]);
  });

  it.each([["SELECT 'abc"], ['SELECT [abc'], ['SELECT 1 /* open']])('reports an unterminated quote or comment in %s', (sql) => {
    expect(parseSqlTemplate(sql).problems.map((p) => p.code)).toEqual(['BAD_SQL_TEMPLATE']);
  });
});

describe('renderSqlTemplate', () => {
  it('quotes identifiers and literals and leaves @names for the driver', () => {
    const t = parseSqlTemplate("ALTER AVAILABILITY GROUP {{ident link}} MODIFY REPLICA ON {{literal replica}} WITH (x = @x)");
    expect(renderSqlTemplate(t, { link: 'AG]1', replica: "O'Brien" })).toBe("ALTER AVAILABILITY GROUP [AG]]1] MODIFY REPLICA ON N'O''Brien' WITH (x = @x)");
  });

  it('does not re-read a substituted value as template syntax', () => {
    const t = parseSqlTemplate('SELECT {{literal a}}, {{ident b}}');
    expect(renderSqlTemplate(t, { a: '{{ident b}}', b: '{{literal a}}' })).toBe("SELECT N'{{ident b}}', [{{literal a}}]");
  });

  it('refuses a template with problems, a missing value, and values inherited from Object.prototype', () => {
    expect(codeOf(() => renderSqlTemplate(parseSqlTemplate('SELECT {{raw x}}'), {}))).toBe('BAD_SQL_TEMPLATE');
    expect(codeOf(() => renderSqlTemplate(parseSqlTemplate('SELECT {{ident x}}'), {}))).toBe('MISSING_PARAM');
    expect(codeOf(() => renderSqlTemplate(parseSqlTemplate('SELECT {{ident constructor}}'), {}))).toBe('MISSING_PARAM');
  });
});
