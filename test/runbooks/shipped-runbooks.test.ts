/**
 * Every shipped runbook: parses, loads without diagnostics, follows the safety rules, and does not
 * ship the advice the official documentation contradicts (seed 002).
 */
import { describe, expect, it } from 'vitest';
import { compileRunbook } from '../../src/compile/compile-runbook.js';
import { loadRunbook } from '../../src/runbook/load-runbook.js';
import { parseSqlTemplate } from '../../src/runbook/sql-template.js';
import { celExpressions, celSyntaxError, readShipped, shippedFiles, sqlTexts } from './helpers.js';

const EXPECTED = [
  'certificate-rotation',
  'flow-control-tuning',
  'link-failover',
  'premature-log-truncation',
  'seeding-monitor',
  'split-brain-recovery',
];

const ARTICLES = [
  'azure-sql/managed-instance/managed-instance-link-troubleshoot-how-to.md',
  'azure-sql/managed-instance/managed-instance-link-failover-how-to.md',
  'azure-sql/managed-instance/managed-instance-link-configure-how-to-scripts.md',
  'azure-sql/managed-instance/managed-instance-link-preparation.md',
  'docs/database-engine/availability-groups/windows/monitor-performance-for-always-on-availability-groups.md',
];

it('ships exactly the six runbooks', () => {
  expect(shippedFiles().map((f) => f.replace(/\.yaml$/, ''))).toEqual(EXPECTED);
});

describe.each(shippedFiles())('%s', (file) => {
  const shipped = readShipped(file);
  const rb = shipped.runbook;

  it('matches the schema and its name is the file name', () => {
    expect(rb.metadata.name).toBe(shipped.name);
    expect(rb.targets).toEqual(['sqlserver', 'mi']);
  });

  it('loads without any diagnostic (schema, references, SQL templates, safety rules)', () => {
    const loaded = loadRunbook({ name: file, text: shipped.text });
    expect(loaded.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
    expect(loaded.runbook).toBeDefined();
  });

  it('compiles without any diagnostic (CEL types, facts produced before read, cycles, safety proof)', () => {
    const loaded = loadRunbook({ name: file, text: shipped.text });
    const { diagnostics } = compileRunbook(loaded.runbook!, { source: loaded.source, locate: (path) => loaded.positions.rangeOf(path) });
    expect(diagnostics.map((d) => `${d.code} ${JSON.stringify(d.path)} ${d.message}`)).toEqual([]);
  });

  it('cites at least one official article from domain.md', () => {
    expect(rb.metadata.references.some((r) => ARTICLES.includes(r))).toBe(true);
    expect(rb.metadata.notes.length).toBeGreaterThan(0);
  });

  it('every action has impact and verify; destructive ones confirm by typing, recheck and require', () => {
    for (const s of rb.steps.filter((x) => x.action)) {
      expect(s.impact, s.id).toBeDefined();
      expect(s.verify, s.id).toBeDefined();
      if (s.impact === 'destructive') {
        expect(s.confirm?.typeToConfirm, s.id).toBeDefined();
        expect(s.confirm?.evidence.length, s.id).toBeGreaterThan(0);
        expect(s.recheck?.length, s.id).toBeGreaterThan(0);
        expect(s.requires, s.id).toBeDefined();
      }
    }
  });

  it('refuses (nothing-to-do / refused) before its first change', () => {
    const firstAction = rb.steps.findIndex((s) => s.action);
    const firstRefusal = rb.steps.findIndex((s) => s.end && ['nothing-to-do', 'refused'].includes(s.end.outcome));
    expect(firstRefusal).toBeGreaterThanOrEqual(0);
    if (firstAction >= 0) expect(firstRefusal).toBeLessThan(firstAction);
  });

  it('every CEL expression parses', () => {
    const bad = celExpressions(rb)
      .map((c) => ({ ...c, error: celSyntaxError(c.expr) }))
      .filter((c) => c.error !== undefined)
      .map((c) => `${c.where}: ${c.error}`);
    expect(bad).toEqual([]);
  });

  it('facts.<step>.<role> names an earlier step and one of its targets', () => {
    const index = new Map(rb.steps.map((s, i) => [s.id, i]));
    const problems: string[] = [];
    for (const { where, expr } of celExpressions(rb)) {
      for (const m of expr.matchAll(/facts\.([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)/g)) {
        const [, id, role] = m;
        const target = rb.steps.find((s) => s.id === id);
        if (!target) {
          problems.push(`${where}: facts.${id} is not a step`);
          continue;
        }
        const q = target.check ?? target.wait ?? target.action;
        const on = q === undefined ? [] : typeof q.on === 'string' ? [q.on] : q.on;
        if (!on.includes(role!)) problems.push(`${where}: step ${id} does not run on ${role}`);
        const from = Number(/^step ([a-z0-9_-]+)/.exec(where)?.[1] === undefined ? -1 : index.get(/^step ([a-z0-9_-]+)/.exec(where)![1]!));
        if (from >= 0 && index.get(id!)! >= from && !where.includes('.confirm.') && !where.includes('.requires')) {
          problems.push(`${where}: facts.${id} comes from a later step`);
        }
      }
      if (/facts\.[a-z0-9_]*-/.test(expr)) problems.push(`${where}: a step id with "-" cannot be read as facts.<id>`);
    }
    expect(problems).toEqual([]);
  });

  it('SQL: no placeholders other than ident/literal, no CTE, no APPLY, no window functions, no temp tables', () => {
    for (const { step, part, sql } of sqlTexts(rb)) {
      const where = `${step}.${part}`;
      expect(parseSqlTemplate(sql).problems, where).toEqual([]);
      expect(sql, where).not.toMatch(/^\s*WITH\s+\w+\s+AS\s*\(/im);
      expect(sql, where).not.toMatch(/\bAPPLY\b/i);
      expect(sql, where).not.toMatch(/\bOVER\s*\(/i);
      const code = sql.replace(/'(?:[^']|'')*'/g, "''"); // string literals may hold '#'
      expect(code, where).not.toMatch(/#\w+/);
      expect(sql, where).not.toMatch(/\+\s*@|@\w+\s*\+/); // no string building around bound values
    }
  });

  it('LSNs reach CEL as text, never as numeric(25,0) doubles', () => {
    for (const { step, part, sql } of sqlTexts(rb)) {
      for (const m of sql.matchAll(/(CAST\(\s*)?\b(\w+\.)?(last_hardened_lsn|end_of_log_lsn|last_received_lsn|last_commit_lsn)\s+AS\s+(\w+)/gi)) {
        if (m[1] === undefined) throw new Error(`${step}.${part}: ${m[0]} selects an LSN without CAST(... AS varchar)`);
      }
    }
  });

  it('does not ship the seed advice the official documentation contradicts', () => {
    const { notes, ...rest } = rb.metadata;
    const shippedText = JSON.stringify({ ...rb, metadata: rest });
    expect(shippedText).not.toMatch(/1024/);
    expect(shippedText).not.toMatch(/network packet size/i);
    expect(shippedText).not.toMatch(/sp_configure/i);
    expect(shippedText).not.toMatch(/SESSION_TIMEOUT\s*=/i);
    // Notes may name the wrong advice only to say it is wrong.
    for (const n of notes) {
      if (/1024|network packet size/i.test(n)) expect(n).toMatch(/\b(wrong|not offered|never)\b/i);
    }
    // Suspending data movement only ever as a gated destructive action.
    for (const s of rb.steps) {
      const texts = [s.check?.sql, s.verify?.sql, s.wait?.sql, s.end?.message, s.decide?.prompt, s.description];
      for (const t of texts) expect(t ?? '').not.toMatch(/SET\s+HADR\s+(SUSPEND|RESUME)/i);
      if (s.action?.sql && /SET\s+HADR\s+(SUSPEND|RESUME)/i.test(s.action.sql)) {
        expect(s.impact).toBe('destructive');
        expect(s.confirm?.typeToConfirm).toBeDefined();
      }
    }
  });

  it('every end, decide prompt and step title is non-trivial prose', () => {
    for (const s of rb.steps) {
      expect(s.title.length, s.id).toBeGreaterThan(5);
      if (s.end) expect(s.end.message.length, s.id).toBeGreaterThan(20);
    }
  });
});
