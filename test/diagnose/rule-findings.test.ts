/**
 * Issue 10, item 6: what the shipped rules say on given facts. A printed `run:` line is always runnable
 * (no placeholder, nothing invented); the managed instance's self-rotating certificate [BP] gives a
 * chain-validation finding, not an expiry alarm; PARTIALLY_HEALTHY and CreatingLink [SPEC][TS] are
 * recognised.
 */
import { describe, expect, it } from 'vitest';
import { blankFacts, evaluateRules, loadRules } from '../../src/diagnose/index.js';
import type { PairFacts } from '../../src/diagnose/types.js';
import { shippedRunbooksDir } from '../../src/runbook/read-runbook.js';

const rules = loadRules({ runbooksDir: shippedRunbooksDir() });

function facts(edit: (f: PairFacts) => void): PairFacts {
  const f = blankFacts();
  f.link = 'SalesLink';
  f.database = 'Sales';
  f.targetsFile = '/tmp/targets.yaml';
  edit(f);
  return f;
}

const above = (f: PairFacts) => evaluateRules(rules, f).findings.filter((x) => x.severity !== 'info');

describe('runbook calls in findings', () => {
  it('an expired SQL Server certificate: no invented name, subject or expiry, so no run line', () => {
    const f = facts((x) => {
      x.sqlserver.reachable = true;
      x.sqlserver.cert = { present: true, endpoint: 'Hadr_endpoint', name: 'SQL01_Link_Cert', expiry: '2025-06-02T00:00:00.000Z', daysLeft: -2, expired: true, renewExpiry: '20260602' };
    });
    const found = above(f).find((x) => x.rule === 'cert-expired')!;
    expect(found.runbook?.params).toMatchObject({ link: 'SalesLink', old_cert: 'SQL01_Link_Cert', endpoint: 'Hadr_endpoint' });
    expect(found.runbook?.missing.map((m) => m.name).sort()).toEqual(['expiry', 'new_cert', 'subject']);
    expect(found.runbook?.command).toBeUndefined();
  });

  it('error 41973 names no runbook with force=true; every printed command is free of placeholders', () => {
    const f = facts((x) => {
      x.linkErrors = [41973];
    });
    for (const found of evaluateRules(rules, f).findings) {
      expect(found.runbook?.params.force).toBeUndefined();
      if (found.runbook?.command) expect(found.runbook.command).not.toMatch(/<|=_( |$)/);
    }
  });

  it('split brain: keep is the operator\'s choice, so the runbook is named without a run line', () => {
    const f = facts((x) => {
      x.sqlserver.linkRole = 'PRIMARY';
      x.mi.linkRole = 'PRIMARY';
    });
    const found = above(f).find((x) => x.rule === 'split-brain')!;
    expect(found.runbook?.missing).toEqual([{ name: 'keep', hint: 'one of sqlserver, managedInstance' }]);
    expect(found.runbook?.command).toBeUndefined();
  });
});

describe('link state values', () => {
  it('PARTIALLY_HEALTHY is its own warning, not NOT_HEALTHY', () => {
    const f = facts((x) => {
      x.arm.synchronizationHealth = 'PARTIALLY_HEALTHY';
      x.arm.replicaState = 'LinkSynchronizing';
    });
    expect(above(f).map((x) => x.rule)).toEqual(['link-partially-healthy']);
  });

  it('CreatingLink is not reported as an unhealthy link', () => {
    const f = facts((x) => {
      x.arm.synchronizationHealth = 'NotHealthy';
      x.arm.replicaState = 'CreatingLink';
    });
    expect(above(f)).toEqual([]);
    expect(evaluateRules(rules, f).findings.map((x) => x.rule)).toContain('link-creating');
  });
});

describe('the managed instance certificate rotates itself [BP]', () => {
  it('no expiry warning within 30 days; an expired one asks for chain validation', () => {
    const near = facts((x) => {
      x.mi.cert = { present: true, endpoint: 'Hadr_endpoint', name: 'MI_Endpoint_Certificate', expiry: '2025-06-20T00:00:00.000Z', daysLeft: 10, expired: false, renewExpiry: '' };
    });
    expect(above(near)).toEqual([]);
    const past = facts((x) => {
      x.mi.cert = { present: true, endpoint: 'Hadr_endpoint', name: 'MI_Endpoint_Certificate', expiry: '2025-06-01T00:00:00.000Z', daysLeft: -1, expired: true, renewExpiry: '' };
    });
    const found = above(past);
    expect(found.map((x) => x.rule)).toEqual(['mi-cert-chain']);
    expect(found[0]!.next).toMatch(/sp_validate_certificate_ca_chain/);
  });

  it('the 41974 fix handles an existing FQDN-named certificate and the root CA', () => {
    const found = above(facts((x) => (x.linkErrors = [41974]))).find((x) => x.rule === 'link-error-41974')!;
    expect(found.next).toMatch(/DROP CERTIFICATE/);
    expect(found.next).toMatch(/sp_certificate_add_issuer/);
  });
});
