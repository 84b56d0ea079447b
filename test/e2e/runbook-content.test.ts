/**
 * What every shipped runbook promises in its text (issue 5): the documentation it follows, a
 * postcondition on every change, the "unconfirmed" notes domain.md asks for, and none of seed 002's
 * wrong flow-control advice among what it offers an operator.
 */
import { describe, expect, it } from 'vitest';
import { readShipped, shippedFiles } from '../runbooks/helpers.js';

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

describe('unconfirmed steps are marked as such', () => {
  it('certificate-rotation says its step order is unconfirmed and takes the safe order', () => {
    const notes = readShipped('certificate-rotation.yaml').runbook.metadata.notes?.join('\n') ?? '';
    expect(notes).toMatch(/order unconfirmed/i);
    expect(notes).toMatch(/upload its public key to the\s+managed instance first/i);
  });

  it.each(['split-brain-recovery.yaml', 'link-failover.yaml', 'flow-control-tuning.yaml', 'premature-log-truncation.yaml'])('%s marks what no official page confirmed', (file) => {
    expect(readShipped(file).runbook.metadata.notes?.join('\n')).toMatch(/unconfirmed/);
  });

  it('flow-control-tuning offers the documented gate sizes and trace flags only', () => {
    const text = offered('flow-control-tuning.yaml').join('\n');
    expect(text).toMatch(/12310/);
    expect(text).toMatch(/1800 and 9567/);
    expect(text).not.toMatch(/SET HADR SUSPEND|SUSPEND/i);
  });
});
