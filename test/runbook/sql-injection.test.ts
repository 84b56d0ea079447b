/**
 * Hostile names and values through {{ident}} / {{literal}}: every rendered statement must contain
 * exactly one correctly quoted token that un-quotes back to the input, with the rest of the
 * statement unchanged, or the value must be refused. Proven with an independent T-SQL tokenizer.
 */
import { describe, expect, it } from 'vitest';
import { isAgmedicError } from '../../src/errors.js';
import { parseSqlTemplate, quoteIdentifier, quoteLiteral, renderSqlTemplate } from '../../src/runbook/sql-template.js';

type Token = { kind: 'word' | 'bracket' | 'dquote' | 'string' | 'comment' | 'punct' | 'placeholder'; value: string };

/** A deliberately small T-SQL lexer, written from the T-SQL quoting rules, not from the code under test. */
function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const closeQuoted = (open: number, close: string): [string, number] => {
    let value = '';
    let j = open;
    for (;;) {
      if (j >= sql.length) throw new Error(`unterminated ${close} quoted token at ${open}`);
      if (sql[j] === close) {
        if (sql[j + 1] === close) {
          value += close;
          j += 2;
          continue;
        }
        return [value, j + 1];
      }
      value += sql[j];
      j++;
    }
  };
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s/.test(c)) i++;
    else if (sql.startsWith('{{', i)) {
      const end = sql.indexOf('}}', i) + 2;
      out.push({ kind: 'placeholder', value: sql.slice(i, end) });
      i = end;
    } else if (c === '[') {
      const [value, next] = closeQuoted(i + 1, ']');
      out.push({ kind: 'bracket', value });
      i = next;
    } else if (c === '"') {
      const [value, next] = closeQuoted(i + 1, '"');
      out.push({ kind: 'dquote', value });
      i = next;
    } else if ((c === 'N' || c === 'n') && sql[i + 1] === "'") {
      const [value, next] = closeQuoted(i + 2, "'");
      out.push({ kind: 'string', value: `N:${value}` });
      i = next;
    } else if (c === "'") {
      const [value, next] = closeQuoted(i + 1, "'");
      out.push({ kind: 'string', value });
      i = next;
    } else if (sql.startsWith('--', i) || sql.startsWith('/*', i)) {
      const end = c === '-' ? sql.indexOf('\n', i) : sql.indexOf('*/', i) + 2;
      out.push({ kind: 'comment', value: sql.slice(i, end === -1 || end === 1 ? sql.length : end) });
      i = end === -1 || end === 1 ? sql.length : end;
    } else if (/[A-Za-z_@#]/.test(c)) {
      const m = /[A-Za-z_@#][\w@#$]*/y;
      m.lastIndex = i;
      const w = m.exec(sql)![0];
      out.push({ kind: 'word', value: w });
      i += w.length;
    } else {
      out.push({ kind: 'punct', value: c });
      i++;
    }
  }
  return out;
}

const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (!isAgmedicError(err)) throw err;
    return err.code;
  }
};

const IDENT_TEMPLATE = 'ALTER AVAILABILITY GROUP {{ident link}} SET (ROLE = SECONDARY); SELECT 1';
const LITERAL_TEMPLATE = 'CREATE CERTIFICATE [dbm] WITH SUBJECT = {{literal subject}}, EXPIRY_DATE = @expiry';

const identCorpus: Array<[string, string]> = [
  ['bracket break-out', 'x]; DROP DATABASE master;--'],
  ['inner bracket', 'a]b'],
  ['lone close bracket', ']'],
  ['many close brackets', ']]]'],
  ['single quote', "'"],
  ['double quote', '"'],
  ['already bracketed', '[x]'],
  ['comment openers', '--/*'],
  ['template syntax', '{{ident link}}'],
  ['emoji', 'AG_🚑_Sales'],
  ['RTL text', 'קבוצה_זמינות'],
  ['RTL override', 'abc\u202Edcba'],
  ['leading/trailing spaces', ' AG '],
  ['128 UTF-16 units', 'a'.repeat(128)],
  ['128 units of emoji', '🚑'.repeat(64)],
];
const identRefused: Array<[string, string]> = [
  ['empty', ''],
  ['whitespace only', ' \u3000 '],
  ['NUL', 'a\u0000b'],
  ['newline', 'a\nb'],
  ['carriage return', 'a\rb'],
  ['tab', 'a\tb'],
  ['DEL', 'a\u007fb'],
  ['129 UTF-16 units', 'a'.repeat(129)],
  ['129 units via emoji', `${'🚑'.repeat(64)}a`],
];

describe('{{ident}} with hostile names', () => {
  const template = parseSqlTemplate(IDENT_TEMPLATE);
  const expected = tokenize(IDENT_TEMPLATE);

  it.each(identCorpus)('%s: one bracketed identifier that un-quotes to the input', (_label, name) => {
    const sql = renderSqlTemplate(template, { link: name });
    const tokens = tokenize(sql);
    expect(tokens.filter((t) => t.kind === 'bracket')).toEqual([{ kind: 'bracket', value: name }]);
    // the rest of the statement is token-for-token the template's
    expect(tokens.map((t) => (t.kind === 'bracket' ? 'IDENT' : `${t.kind}:${t.value}`))).toEqual(
      expected.map((t) => (t.kind === 'placeholder' ? 'IDENT' : `${t.kind}:${t.value}`)),
    );
  });

  it.each(identRefused)('%s: refused with BAD_IDENTIFIER', (_label, name) => {
    expect(codeOf(() => renderSqlTemplate(template, { link: name }))).toBe('BAD_IDENTIFIER');
    expect(codeOf(() => quoteIdentifier(name))).toBe('BAD_IDENTIFIER');
  });

  it('never echoes more than 40 characters of a refused value', () => {
    try {
      quoteIdentifier(`${'x'.repeat(200)}\n`);
      expect.unreachable();
    } catch (err) {
      expect(isAgmedicError(err) && err.code).toBe('BAD_IDENTIFIER');
      expect((err as Error).message).not.toContain('x'.repeat(41));
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('names the rule broken', () => {
    const messageOf = (name: string) => {
      try {
        quoteIdentifier(name);
      } catch (err) {
        return (err as Error).message;
      }
      return '';
    };
    expect(messageOf('')).toMatch(/empty/);
    expect(messageOf('a'.repeat(129))).toMatch(/128/);
    expect(messageOf('a\u0000')).toMatch(/NUL/);
    expect(messageOf('a\tb')).toMatch(/control/);
    expect(messageOf('   ')).toMatch(/whitespace/);
  });
});

const literalCorpus: Array<[string, string]> = [
  ['quote break-out', "'); DROP DATABASE master;--"],
  ['single quote', "'"],
  ['two quotes', "''"],
  ['backslash quote', "\\'"],
  ['N prefix', "N'x'"],
  ['brackets', '[x]]'],
  ['comment openers', '/* --'],
  ['newline and tab', 'line1\n\tline2'],
  ['emoji and RTL', '🚑 שלום'],
  ['empty', ''],
  ['4000 characters', "'".repeat(4000)],
];

describe('{{literal}} with hostile values', () => {
  const template = parseSqlTemplate(LITERAL_TEMPLATE);
  const expected = tokenize(LITERAL_TEMPLATE);

  it.each(literalCorpus)('%s: one N-string that un-quotes to the input', (_label, value) => {
    const sql = renderSqlTemplate(template, { subject: value });
    const tokens = tokenize(sql);
    expect(tokens.filter((t) => t.kind === 'string')).toEqual([{ kind: 'string', value: `N:${value}` }]);
    expect(tokens.map((t) => (t.kind === 'string' ? 'LIT' : `${t.kind}:${t.value}`))).toEqual(
      expected.map((t) => (t.kind === 'placeholder' ? 'LIT' : `${t.kind}:${t.value}`)),
    );
  });

  it.each([
    ['NUL', 'a\u0000b'],
    ['4001 characters', 'x'.repeat(4001)],
  ])('%s: refused with BAD_LITERAL', (_label, value) => {
    expect(codeOf(() => renderSqlTemplate(template, { subject: value }))).toBe('BAD_LITERAL');
    expect(codeOf(() => quoteLiteral(value))).toBe('BAD_LITERAL');
  });
});
