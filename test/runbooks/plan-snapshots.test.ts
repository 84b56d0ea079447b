import { describe, expect, it } from 'vitest';
import { memoryOutput } from '../../src/cli/output.js';
import { runCli } from '../../src/cli/program.js';

// What `agmedic plan` shows a DBA for each shipped runbook, in every format. A change to a runbook
// or to the plan renderer shows up here as a reviewable diff: regenerate with `npx vitest run
// test/runbooks/plan-snapshots.test.ts -u` and read the diff before committing it.
const cases: Array<[string, string[]]> = [
  ['split-brain-recovery', ['link=SalesLink', 'keep=managedInstance']],
  ['certificate-rotation', ['link=SalesLink', 'old_cert=SalesLinkCert2024', 'new_cert=SalesLinkCert2026', 'subject=SalesLink endpoint certificate SQL01', 'expiry=20281231']],
  ['premature-log-truncation', ['link=SalesLink']],
  ['flow-control-tuning', ['link=SalesLink']],
  ['link-failover', ['link=SalesLink', 'to=managedInstance', 'sql_ag=AG_Sales', 'mi_ag=AG_Sales_MI']],
  ['seeding-monitor', ['link=SalesLink']],
];

describe.each(cases)('plan of %s', (name, params) => {
  it.each(['text', 'json', 'mermaid'])('as %s', async (format) => {
    const output = memoryOutput({ color: false });
    const code = await runCli(['plan', name, ...params.flatMap((p) => ['-p', p]), '--format', format], output);
    expect(output.stderr).toBe('');
    expect(code).toBe(0);
    await expect(output.stdout).toMatchFileSnapshot(`__plans__/${name}.${format === 'text' ? 'txt' : format === 'json' ? 'json' : 'mmd'}`);
  });
});
