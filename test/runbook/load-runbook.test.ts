import { describe, expect, it } from 'vitest';
import { BASE, load, mutate, pos, problems } from './fixtures.js';

describe('loadRunbook', () => {
  it('accepts the base runbook and applies schema defaults', () => {
    const loaded = load(BASE);
    expect(loaded.diagnostics).toEqual([]);
    expect(loaded.runbook?.metadata.references).toEqual([]);
    expect(loaded.runbook?.steps[2]?.confirm?.evidence).toEqual(['roles']);
  });

  it('reports YAML syntax errors with their position and no runbook', () => {
    const text = mutate('  title: Recover', '  title: "Recover');
    const loaded = load(text);
    expect(loaded.runbook).toBeUndefined();
    expect(loaded.diagnostics.map((d) => d.code)).toContain('YAML_SYNTAX');
    expect(loaded.diagnostics.every((d) => d.source?.name === 'test.yaml')).toBe(true);
  });

  it('reports a bad indentation as YAML_SYNTAX at its line', () => {
    const text = mutate('    title: Nothing to do\n', '    title: Nothing to do\n   bad: indent\n');
    const got = problems(text);
    expect(got.length).toBeGreaterThan(0);
    expect(got.every((p) => p.startsWith('YAML_SYNTAX@'))).toBe(true);
    expect(got[0]).toBe(`YAML_SYNTAX@${pos(text, '   bad: indent')}`);
  });

  it('reports a duplicate key on the second key, and still validates the rest', () => {
    const text = mutate('    title: Done\n', '    title: Done\n    title: Done again\n    nxt: roles\n');
    expect(problems(text)).toEqual([
      `DUPLICATE_KEY@${pos(text, 'title: Done again')}`,
      `UNKNOWN_FIELD@${pos(text, 'nxt')}`,
    ]);
    const dup = load(text).diagnostics[0]!;
    expect(dup.message).toContain('"title"');
  });

  it('reports an unknown field on the key, with a did-you-mean', () => {
    const text = mutate('    title: Done\n', '    title: Done\n    nxt: roles\n');
    const [d] = load(text).diagnostics;
    expect(d?.code).toBe('UNKNOWN_FIELD');
    expect(problems(text)).toEqual([`UNKNOWN_FIELD@${pos(text, 'nxt')}`]);
    expect(d?.message).toBe('unknown field "nxt" in step "done"; did you mean "next"?');
    expect(d?.path).toEqual(['steps', 3, 'nxt']);
  });

  it('suggests within nested objects too', () => {
    const text = mutate('      typeToConfirm: link', '      typeToConfrim: link');
    const [d] = load(text).diagnostics;
    expect(d?.message).toContain('did you mean "typeToConfirm"?');
    expect(problems(text)).toContain(`UNKNOWN_FIELD@${pos(text, 'typeToConfrim')}`);
  });

  it('reports a missing required field on the parent map', () => {
    const text = mutate('    title: Done\n', '');
    expect(problems(text)).toEqual([`MISSING_FIELD@${pos(text, 'id: done')}`]);
    expect(load(text).diagnostics[0]?.message).toBe('missing required field "title" in step "done"');
  });

  it('reports a missing top-level field at the document', () => {
    const text = mutate('targets: [sqlserver, mi]\n', '');
    expect(problems(text)).toEqual(['MISSING_FIELD@1:1']);
  });

  it('reports a wrong type as BAD_TYPE on the value', () => {
    const text = mutate('    title: Done\n', '    title: [Done]\n');
    expect(problems(text)).toEqual([`BAD_TYPE@${pos(text, '[Done]')}`]);
  });

  it('reports a bad target list element as BAD_TYPE on that element', () => {
    const text = mutate('      on: [sqlserver, mi]', '      on: [sqlserver, 42]');
    expect(problems(text)).toEqual([`BAD_TYPE@${pos(text, '42]')}`]);
  });

  it('reports bad apiVersion and kind with their own codes', () => {
    const text = mutate('kind: Runbook', 'kind: RunBook', mutate('agmedic/v1', 'agmedic/v2'));
    expect(problems(text)).toEqual(['BAD_API_VERSION@1:13', 'BAD_KIND@2:7']);
  });

  it('reports a bad enum value with a suggestion', () => {
    const text = mutate('impact: destructive', 'impact: destructve');
    expect(problems(text)).toEqual([`BAD_VALUE@${pos(text, 'destructve')}`]);
    expect(load(text).diagnostics[0]?.message).toContain('did you mean "destructive"?');
  });

  it('reports an unknown parameter type on the type value', () => {
    const text = mutate('type: identifier', 'type: identifer');
    expect(problems(text)).toEqual([`BAD_VALUE@${pos(text, 'identifer')}`]);
    expect(load(text).diagnostics[0]?.message).toContain('did you mean "identifier"?');
  });

  it('reports a parameter without a type as MISSING_FIELD', () => {
    const text = mutate('{ type: identifier, description', '{ description');
    expect(problems(text)).toEqual([`MISSING_FIELD@${pos(text, '{ description')}`]);
  });

  it('reports a bad duration as BAD_DURATION', () => {
    const text = mutate('    title: Done\n', '    title: Done\n    timeout: 5 minutes\n');
    expect(problems(text)).toEqual([`BAD_DURATION@${pos(text, '5 minutes')}`]);
  });

  it('reports a bad step id and a bad step reference as BAD_STEP_ID', () => {
    const text = mutate('  - id: done', '  - id: Done', mutate('    recheck: [roles]', '    recheck: [Roles]'));
    expect(problems(text)).toEqual([`BAD_STEP_ID@${pos(text, 'Roles]')}`, `BAD_STEP_ID@${pos(text, 'Done\n')}`]);
  });

  it('reports a bad parameter name on the key', () => {
    const text = mutate('  keep: {', '  Keep: {');
    expect(problems(text)).toEqual([`BAD_VALUE@${pos(text, 'Keep')}`]);
  });

  it('reports an empty list as BAD_VALUE', () => {
    const text = mutate('targets: [sqlserver, mi]', 'targets: []');
    expect(problems(text)).toEqual([`BAD_VALUE@${pos(text, '[]')}`]);
  });

  it('reports a step that is not a map', () => {
    const text = mutate('  - id: done\n    title: Done\n    end: { outcome: fixed, message: "The link has one primary again." }\n', '  - done\n');
    expect(problems(text)).toEqual([`BAD_TYPE@${pos(text, 'done\n')}`]);
  });

  it('reports an empty file', () => {
    expect(problems('')).toEqual(['BAD_TYPE@1:1']);
    expect(problems('# only a comment\n')).toEqual(['BAD_TYPE@1:1']);
  });

  it('reports three independent mistakes, each at its own line:col', () => {
    let text = mutate('  title: Recover a', '  descripton: split brain\n  title: Recover a');
    text = mutate('    title: Done\n', '    title: Done\n    timeout: 1x\n', text);
    text = mutate('outcome: fixed', 'outcome: fixd', text);
    expect(problems(text)).toEqual([
      `UNKNOWN_FIELD@${pos(text, 'descripton')}`,
      `BAD_DURATION@${pos(text, '1x')}`,
      `BAD_VALUE@${pos(text, 'fixd')}`,
    ]);
    expect(load(text).diagnostics[0]?.message).toContain('did you mean "description"?');
  });

  it('collects schema problems and never sets runbook when any is an error', () => {
    const text = mutate('kind: Runbook', 'kind: Playbook', mutate('      sql: |', '      sq: |'));
    const loaded = load(text);
    expect(loaded.runbook).toBeUndefined();
    expect(loaded.diagnostics.map((d) => d.code)).toEqual(['BAD_KIND', 'UNKNOWN_FIELD']);
  });

  it('refuses an alias bomb instead of expanding it', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++) bomb.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`);
    const got = problems(bomb.join('\n') + '\n');
    expect(got[0]).toMatch(/^YAML_SYNTAX@/);
  });
});
