import { describe, expect, it } from 'vitest';
import { AgmedicError } from '../../../src/errors.js';
import { loadRunbook } from '../../../src/runbook/load-runbook.js';
import { readRunbookSource, shippedRunbooksDir } from '../../../src/runbook/read-runbook.js';
import { assertPlanFresh, buildFingerprint, checkPlanFreshness, factReads } from '../../../src/runtime/fingerprint/index.js';

describe('factReads', () => {
  it.each([
    ["facts.roles.sqlserver[0].role == 'PRIMARY'", undefined, ['facts.roles.sqlserver[0].role']],
    ["facts.link_state.mi.exists(r, r.side == 'remote' && r.health == 'HEALTHY')", undefined, ["facts.link_state.mi.exists(r, r.side == 'remote' && r.health == 'HEALTHY')"]],
    ['facts.sqlserver_backup.sqlserver.size() == 0', undefined, ['facts.sqlserver_backup.sqlserver.size()']],
    ['size(facts.a.b) > 0 && has(facts.c.d.e)', undefined, ['size(facts.a.b)', 'has(facts.c.d.e)']],
    ["params.keep == 'x' && facts.a.b[0].c == facts.a.b[0].c", undefined, ['facts.a.b[0].c']],
    ['rows.size() == 1', { step: 'roles', role: 'mi' }, ['facts.roles.mi.size()']],
    ["rows.exists(r, r.role == 'SECONDARY')", { step: 'final-roles', role: 'sqlserver-2' }, ['facts["final-roles"]["sqlserver-2"].exists(r, r.role == \'SECONDARY\')']],
    ["result.properties.replicationMode == 'Async'", { step: 'link', role: 'mi' }, ['facts.link.mi.properties.replicationMode']],
    ['rows.size() == 1', undefined, []],
    ['params.keep == "x"', undefined, []],
  ])('%s', (expr, rows, expected) => {
    expect(factReads(expr, rows).map((r) => r.expr)).toEqual(expected);
  });
});

const source = readRunbookSource('split-brain-recovery', { runbooksDir: shippedRunbooksDir() });
const runbook = loadRunbook(source).runbook!;
const params = { link: 'SalesLink', keep: 'managedInstance', database: 'Sales', backup_path: 'D:\\b.trn' };

function splitBrainFacts(sqlRole = 'PRIMARY') {
  return {
    roles: { sqlserver: [{ link_name: 'SalesLink', role: sqlRole }], mi: [{ link_name: 'SalesLink', role: 'PRIMARY' }] },
    link_state: {
      sqlserver: [{ side: 'local', role: sqlRole, connected_state: 'CONNECTED', health: 'NOT_HEALTHY' }],
      mi: [{ side: 'local', role: 'PRIMARY', connected_state: 'CONNECTED', health: 'NOT_HEALTHY' }],
    },
    divergence: {
      sqlserver: [{ database_name: 'Sales', last_hardened_lsn: '5031457280', last_commit_time: new Date('2025-06-03T02:29:58Z') }],
      mi: [{ database_name: 'Sales', last_hardened_lsn: '5012582912', last_commit_time: new Date('2025-06-03T02:29:20Z') }],
    },
  };
}

const route = {
  route: [
    { step: 'need_backup_path', via: 'skip' },
    { step: 'need_backup_url', via: 'skip' },
    { step: 'roles', via: 'next' },
    { step: 'link_state', via: 'next' },
    { step: 'not_split', via: 'skip' },
    { step: 'resume_resync', via: 'skip' },
    { step: 'divergence', via: 'next' },
    { step: 'branch' },
  ],
  stoppedAt: { step: 'branch', phase: 'choose', reason: 'decide' },
};

describe('buildFingerprint', () => {
  it('fingerprints the facts the route conditions read, not the evidence columns', () => {
    const fp = buildFingerprint(runbook, { ...route, facts: splitBrainFacts() }, params);
    const byFact = Object.fromEntries(fp.facts.map((f) => [f.fact, f.value]));
    expect(byFact).toMatchObject({
      'facts.roles.sqlserver[0].role': 'PRIMARY',
      'facts.roles.mi[0].role': 'PRIMARY',
      'facts.roles.sqlserver.size()': 1,
      'facts.divergence.mi.size()': 1,
    });
    expect(fp.facts.find((f) => f.fact === 'facts.roles.sqlserver[0].role')?.readBy).toEqual(['not_split.when', 'resume_resync.when']);
    // LSNs and commit times move every second in split brain: they are evidence, not route.
    expect(fp.facts.some((f) => /lsn|commit/.test(f.fact))).toBe(false);
    expect(fp.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is fresh when the route facts are unchanged even if LSNs moved', () => {
    const fp = buildFingerprint(runbook, { ...route, facts: splitBrainFacts() }, params);
    const later = splitBrainFacts();
    later.divergence.sqlserver[0]!.last_hardened_lsn = '5099999999';
    expect(checkPlanFreshness({ parameters: params, live: { fingerprint: fp } }, later)).toEqual({ fresh: true });
  });

  it('names the fact that changed, with both values', () => {
    const fp = buildFingerprint(runbook, { ...route, facts: splitBrainFacts() }, params);
    const plan = { parameters: params, live: { fingerprint: fp } };
    const r = checkPlanFreshness(plan, splitBrainFacts('SECONDARY'));
    expect(r.fresh).toBe(false);
    expect(r.fresh === false && r.changes[0]).toMatchObject({ fact: 'facts.roles.sqlserver[0].role', was: 'PRIMARY', now: 'SECONDARY' });
    let err: unknown;
    try {
      assertPlanFresh(plan, splitBrainFacts('SECONDARY'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AgmedicError);
    expect((err as AgmedicError).code).toBe('PLAN_STALE');
    expect((err as AgmedicError).message).toMatch(/^plan is stale: facts\.roles\.sqlserver\[0\]\.role was "PRIMARY", now "SECONDARY"/);
  });

  it('treats a fact that vanished as a change', () => {
    const fp = buildFingerprint(runbook, { ...route, facts: splitBrainFacts() }, params);
    const gone = { ...splitBrainFacts(), roles: { sqlserver: [], mi: [{ link_name: 'SalesLink', role: 'PRIMARY' }] } };
    const r = checkPlanFreshness({ parameters: params, live: { fingerprint: fp } }, gone);
    expect(r.fresh === false && r.changes.map((c) => [c.fact, c.now])).toEqual(
      expect.arrayContaining([['facts.roles.sqlserver[0].role', '<unavailable>'], ['facts.roles.sqlserver.size()', 0]]),
    );
  });

  it('a plan without a fingerprint is fresh', () => {
    expect(checkPlanFreshness({ parameters: params }, {})).toEqual({ fresh: true });
  });
});
