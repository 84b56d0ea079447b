import { describe, expect, test } from 'vitest';
import { buildPlan } from '../../src/compile/build-plan.js';
import { compileRunbook } from '../../src/compile/compile-runbook.js';
import { renderGraph, renderPlan } from '../../src/compile/render-plan.js';
import { resolveParameters } from '../../src/compile/resolve-parameters.js';
import { splitBrain } from './fixtures.js';

const compiled = compileRunbook(splitBrain);
const { values } = resolveParameters(splitBrain, { link: "AG]1", keep: 'managedInstance' });
const plan = buildPlan(splitBrain, compiled, values, { sha256: 'abc123' });

describe('plan', () => {
  test('statements are rendered exactly as sent, identifiers quoted, bound values beside them', () => {
    const demote = plan.steps[3]!;
    expect(demote.queries[0]).toEqual({ phase: 'execute', on: ['sqlserver'], sql: 'ALTER AVAILABILITY GROUP [AG]]1] SET (ROLE = SECONDARY)', bindings: [] });
    expect(demote.queries[1]!.bindings).toEqual([{ name: 'link', value: 'AG]1', from: 'param' }]);
    expect(demote.confirm).toEqual({ evidence: ['roles'], show: { sqlRole: 'facts.roles.sqlserver[0].role' }, typeToConfirm: { param: 'link', expected: 'AG]1' } });
    expect(plan.outcomes.map((o) => o.outcome)).toEqual(['nothing-to-do', 'fixed', 'manual', 'manual', 'failed', 'aborted']);
    expect(plan.steps.map((s) => s.number)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  test('json: versioned, stable, no timestamps', () => {
    const json = renderPlan(plan, 'json', { color: false });
    expect(JSON.parse(json)).toEqual(plan);
    expect(json).toBe(renderPlan(buildPlan(splitBrain, compileRunbook(splitBrain), values, { sha256: 'abc123' }), 'json', { color: false }));
    expect(json.startsWith('{\n  "planVersion": 1,\n  "runbook": {\n    "name": "t",')).toBe(true);
  });

  test('text: colour only when asked', () => {
    const plain = renderPlan(plan, 'text', { color: false });
    expect(plain).not.toMatch(/\u001b\[/);
    const coloured = renderPlan(plan, 'text', { color: true });
    expect(coloured).toContain('\u001b[31m [DESTRUCTIVE]');
    expect(coloured).toContain('\u001b[1mGATE:');
    expect(plain.split('\n').slice(0, 1).concat(plain.split('\n').filter((l) => l.includes('demote') || l.includes('GATE') || l.includes('ALTER')))).toMatchInlineSnapshot(`
      [
        "Plan for t: test runbook",
        "        1) keep the managed instance → demote  (policy: params.keep == 'managedInstance')",
        "  4. demote (action) — Make the old primary a secondary [DESTRUCTIVE]",
        "      GATE: confirm before executing; operator types link = "AG]1"; evidence: roles",
        "          ALTER AVAILABILITY GROUP [AG]]1] SET (ROLE = SECONDARY)",
        "      then: next → settle; confirm-skip → demote:skipped; retry-exhausted → @failed; onFail → @failed",
        "  manual (step demote:skipped): step "demote" (Make the old primary a secondary) was skipped at its confirmation, so nothing after it was attempted; the change it makes is still to be done",
      ]
    `);
  });

  test('mermaid: a stateDiagram-v2 of the steps', () => {
    const m = renderPlan(plan, 'mermaid', { color: false });
    expect(m.split('\n').slice(0, 3)).toEqual(['stateDiagram-v2', '  state "1. roles" as roles', '  state "2. not-split" as not_dsplit']);
    expect(m).toContain('  pick --> demote : keep the managed instance');
    expect(m).toContain('  demote --> outcome_afailed : onFail');
  });

  test('renderGraph shows every machine state; dot marks the destructive execute', () => {
    expect(renderGraph(compiled, 'dot')).toContain('"demote:execute" [shape=box, color=red];');
    expect(renderGraph(compiled, 'mermaid')).toContain('  demote_cconfirm --> demote_crecheck : confirm');
  });
});
