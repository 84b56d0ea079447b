/**
 * What every shipped runbook promises in its text (issue 5): the documentation it follows, a
 * postcondition on every change, the "unconfirmed" notes domain.md asks for, and none of seed 002's
 * wrong flow-control advice among what it offers an operator.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readShipped, shippedFiles } from '../runbooks/helpers.js';

const RULES = join(import.meta.dirname, '../../runbooks/rules');

/** Everything a runbook says to the operator as advice: end messages, prompts, choices, confirmations. */
function offered(file: string): string[] {
  const rb = readShipped(file).runbook;
  return rb.steps.flatMap((s) => [s.end?.message, s.decide?.prompt, ...(s.decide?.choices.map((c) => c.label) ?? []), s.confirm?.message, s.title].filter((x): x is string => typeof x === 'string'));
}

describe.each(shippedFiles())('%s', (file) => {
  const { runbook: rb } = readShipped(file);

  it('names the Microsoft documentation it follows', () => {
    expect(rb.metadata.references?.some((r) => /^azure-sql\/managed-instance\/.+\.md$|^docs\/.+\.md$/.test(r))).toBe(true);
  });

  it('verifies every change it makes (so a re-run is a no-op and resume can settle an in-doubt step)', () => {
    for (const s of rb.steps.filter((x) => x.action)) expect(s.verify, s.id).toBeDefined();
  });

  it('never offers the seed\'s "1024 messages" threshold or a network packet size change', () => {
    for (const text of offered(file)) {
      expect(text).not.toMatch(/\b1024\b/);
      expect(text).not.toMatch(/packet size/i);
    }
  });
});

describe('what domain.md now confirms is cited, not labelled "unconfirmed" (issue 10)', () => {
  it('split-brain-recovery cites ALTER AVAILABILITY GROUP for what FAILOVER does, and makes it optional', () => {
    const { runbook: rb } = readShipped('split-brain-recovery.yaml');
    expect(rb.metadata.references).toContain('docs/t-sql/statements/alter-availability-group-transact-sql.md');
    const notes = rb.metadata.notes?.join('\n') ?? '';
    expect(notes).toMatch(/source and target switch\s+roles/);
    expect(notes).not.toMatch(/unconfirmed/);
    expect(rb.parameters.failover_after).toMatchObject({ type: 'bool', default: false });
  });

  it('certificate-rotation cites [BP] for its order, drops the "unconfirmed" labels, and names the shared endpoint', () => {
    const { runbook: rb } = readShipped('certificate-rotation.yaml');
    expect(rb.metadata.references).toContain('azure-sql/managed-instance/managed-instance-link-best-practices.md');
    const notes = rb.metadata.notes?.join('\n') ?? '';
    expect(notes).not.toMatch(/unconfirmed/);
    expect(notes).toMatch(/the same database mirroring endpoint is used for both/);
    // Fallback cmdlets use -Name (not -CertificateName).
    const all = [notes, ...offered('certificate-rotation.yaml')].join('\n');
    expect(all).not.toMatch(/-CertificateName/);
    expect(all).toMatch(/New-AzSqlInstanceServerTrustCertificate -ResourceGroupName [^-]+ -InstanceName [^-]+ -Name /);
  });

  it('flow-control-tuning and the rules offer no trace flag 9567 and trace flag 1800 only with the sector-size condition', () => {
    const rules = ['50-seeding-and-flow.yaml'].map((f) => readFileSync(join(RULES, f), 'utf8')).join('\n');
    for (const text of [...offered('flow-control-tuning.yaml'), rules]) {
      expect(text).not.toMatch(/\b9567\b/);
      for (const m of text.matchAll(/\b1800\b[^.]*\./g)) expect(m[0]).toMatch(/sector size/);
    }
    const text = offered('flow-control-tuning.yaml').join('\n');
    expect(text).toMatch(/12310/);
    expect(text).toMatch(/instance-wide/);
    expect(text).not.toMatch(/SET HADR SUSPEND|SUSPEND/i);
    expect(readShipped('flow-control-tuning.yaml').runbook.metadata.references).toContain(
      'docs/database-engine/availability-groups/windows/troubleshoot-availability-group-exceeded-rpo.md',
    );
  });
});
