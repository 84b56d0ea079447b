import { describe, expect, it } from 'vitest';
import { cli, isolatedHome } from './helpers/approval-audit-env.js';

isolatedHome();

describe('agmedic describe', () => {
  it('prints metadata, notes, parameters and the counted summary', async () => {
    const r = await cli('describe', 'premature-log-truncation');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^premature-log-truncation: /);
    expect(r.stdout).toContain('notes (read before running):');
    expect(r.stdout).toMatch(/link \(identifier; required\)/);
    expect(r.stdout).toMatch(/steps: \d+ checks, 2 changes \(2 destructive\), 1 manual step, 1 wait/);
  });

  it('--json carries the same summary', async () => {
    const r = await cli('describe', 'flow-control-tuning', '--json');
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout) as { summary: string; outcomes: string[]; notes: string[] };
    expect(info.summary).toMatch(/^\d+ checks, 0 changes/);
    expect(info.outcomes).toContain('diagnosed');
    expect(info.notes.length).toBeGreaterThan(0);
  });
});
