/**
 * The plan names every Azure call by the resource it acts on — the link, the managed instance, or a
 * server trust certificate — and the api-version a step asks for, so what the operator approves is
 * what is sent (the journal's intent text is the same line).
 */
import { describe, expect, test } from 'vitest';
import { buildPlan } from '../../src/compile/build-plan.js';
import { compileRunbook } from '../../src/compile/compile-runbook.js';
import { describeAzureCall } from '../../src/compile/describe-azure-call.js';
import { renderPlan } from '../../src/compile/render-plan.js';
import { resolveParameters } from '../../src/compile/resolve-parameters.js';
import { withSteps } from './fixtures.js';

const runbook = withSteps(`
  - id: policy
    title: Read the update policy
    check: { on: mi, azure: { operation: getInstance, apiVersion: 2025-01-01 }, expect: "result.properties.databaseFormat != 'AlwaysUpToDate'" }
  - id: trusted
    title: List the certificates the MI trusts
    check: { on: mi, azure: { operation: listTrustCertificates } }
  - id: upload
    title: Upload SQL Server's endpoint certificate
    impact: change
    action:
      on: mi
      azure:
        operation: putTrustCertificate
        certificate: { cel: "params.link + '_sql_cert'" }
        body: { properties: { publicBlob: '0x3082' } }
    verify: { on: mi, azure: { operation: getTrustCertificate, certificate: { cel: "params.link + '_sql_cert'" } }, expect: "result.properties.publicBlob == '0x3082'" }
  - id: sync
    title: Switch to Sync
    impact: change
    action: { on: mi, azure: { operation: update, apiVersion: 2023-08-01, body: { properties: { replicationMode: Sync } } } }
    verify: { on: mi, azure: { operation: get }, expect: "result.properties.replicationMode == 'Sync'" }
  - id: done
    title: Done
    end: { outcome: fixed, message: ok }
`);

describe('Azure calls in the plan', () => {
  const { values } = resolveParameters(runbook, { link: 'SalesLink', keep: 'sqlserver' });
  const plan = buildPlan(runbook, compileRunbook(runbook), values, { sha256: 'x' });
  const text = renderPlan(plan, 'text', { color: false });

  test('each call names its resource and api-version; certificate names from parameters are resolved', () => {
    expect(plan.steps[2]!.queries[0]).toEqual({
      phase: 'execute', on: ['mi'], azure: { operation: 'putTrustCertificate', link: 'SalesLink', certificate: 'SalesLink_sql_cert', body: { properties: { publicBlob: '0x3082' } } },
    });
    expect(text).toContain('azure getInstance api-version 2025-01-01');
    expect(text).toContain('azure listTrustCertificates\n');
    expect(text).toContain('azure putTrustCertificate certificate "SalesLink_sql_cert" body {"properties":{"publicBlob":"0x3082"}}');
    expect(text).toContain('azure getTrustCertificate certificate "SalesLink_sql_cert"');
    expect(text).toContain('azure update link "SalesLink" api-version 2023-08-01 body');
    expect(text).toContain('azure get link "SalesLink"');
  });

  test('the one-line description is the same for the journal and the confirmation', () => {
    expect(describeAzureCall({ operation: 'deleteTrustCertificate', link: 'L', certificate: 'c1' })).toBe('azure deleteTrustCertificate certificate "c1"');
    expect(describeAzureCall({ operation: 'failover', link: 'L' })).toBe('azure failover link "L"');
  });
});
