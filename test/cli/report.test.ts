/**
 * `agmedic report` on a real lab run (the demo: split brain, recovered unattended over TDS), read
 * back as a DBA would: the HTML rendered by headless Chromium (screenshot, no console message, the
 * route picture present with the changed steps marked) and the Markdown checked against the run's
 * own transcript — the statements the lab received, in order.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readAuditLog, verifyAuditLog } from '../../src/audit/index.js';
import { demoCommand } from '../../src/cli/commands/demo.js';
import { memoryOutput } from '../../src/cli/output.js';
import { runCli } from '../../src/cli/program.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

/** One headless Chromium run; `--enable-logging=stderr` prints every console message as `CONSOLE`. */
function chromium(url: string, mode: string[]): { stdout: string; console: string[] } {
  const r = spawnSync(
    CHROMIUM!,
    [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--user-data-dir=${mkdtempSync(join(tmpdir(), 'agmedic-chromium-'))}`,
      '--enable-logging=stderr', '--v=0', '--hide-scrollbars', '--window-size=1200,1900', ...mode, url,
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  return { stdout: r.stdout, console: r.stderr.split('\n').filter((l) => /:CONSOLE[:(]/.test(l)) };
}

let home = '';
let html = '';
let runId = '';
let demoStderr = '';

beforeAll(async () => {
  const out = memoryOutput();
  const code = await demoCommand({ speed: '200', unattended: true }, out);
  expect(code).toBe(0);
  const m = /report: (\S+\.html)/.exec(out.stdout);
  expect(m, out.stdout).not.toBeNull();
  html = m![1]!;
  home = join(html, '..');
  runId = /report-(.+)\.html$/.exec(html)![1]!;
  demoStderr = out.stderr;
}, 60_000);

describe.skipIf(!CHROMIUM)('report --format html, rendered by headless Chromium', () => {
  it('the console check catches a page that logs (so its silence below means something)', () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'agmedic-neg-')), 'bad.html');
    writeFileSync(bad, '<!doctype html><body><script>console.error("boom")</script></body>');
    expect(chromium(`file://${bad}`, ['--dump-dom']).console.join('\n')).toContain('boom');
  });

  it('renders with no console message; the route picture is there with taken and changed steps', () => {
    const dom = chromium(`file://${html}`, ['--dump-dom']);
    expect(dom.console).toEqual([]);
    expect(dom.stdout).toContain('<svg id="route"');
    // The demo keeps the managed instance: back up and demote SQL Server, wait for it to resynchronize,
    // re-read roles and health. The [TS] FAILOVER is optional (failover_after) and not taken.
    for (const step of ['roles', 'backup_sqlserver', 'demote_sqlserver', 'final_roles', 'final_health', 'done']) {
      expect(dom.stdout).toMatch(new RegExp(`class="step (taken|failed)[^"]*" data-step="${step}"`));
    }
    for (const step of ['backup_sqlserver', 'demote_sqlserver']) expect(dom.stdout).toMatch(new RegExp(`class="step taken changed" data-step="${step}"`));
    expect(dom.stdout).toMatch(/class="step unvisited" data-step="demote_mi"/);
    expect(dom.stdout).toMatch(/class="step unvisited" data-step="failover_from_mi"/);
    expect(dom.stdout).toMatch(/class="step skipped" data-step="not_split"/);
    // Offline: nothing in the file points outside it.
    expect(readFileSync(html, 'utf8')).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//);
  });

  it('takes a screenshot of the report', () => {
    const png = join(home, 'report.png');
    const shot = chromium(`file://${html}`, [`--screenshot=${png}`]);
    expect(shot.console).toEqual([]);
    expect(statSync(png).size).toBeGreaterThan(50_000);
  });
});

describe('the unattended run names its approval and who started it', () => {
  it('first lines: approval id, approver and expiry; run-start: OS account beside the approver', async () => {
    const records = await readAuditLog(join(home, 'audit.jsonl'), { runId });
    const start = records[0] as Extract<typeof records[number], { type: 'run-start' }>;
    expect(start.type).toBe('run-start');
    expect(start.approval).toMatchObject({ approver: 'agmedic-demo', id: expect.stringMatching(/^[0-9a-f]{16}$/), osUser: expect.stringContaining(userInfo().username) });
    const lines = demoStderr.split('\n');
    const at = lines.findIndex((l) => l.startsWith(`agmedic: unattended under approval ${start.approval!.id} by agmedic-demo`));
    expect(at, demoStderr).toBeGreaterThanOrEqual(0);
    expect(lines[at]).toMatch(/expires .* — in (59 min( \d+ s)?|1 h 0 min)$/);
    expect(lines.findIndex((l) => l.startsWith(`agmedic: run ${runId}`))).toBeGreaterThan(at);
  });
});

describe('report --format md against the lab run', () => {
  it('lists exactly the changes the run sent, in order, verified; header and chain as recorded', async () => {
    const audit = join(home, 'audit.jsonl');
    const out = memoryOutput();
    const code = await runCli(['report', runId.slice(0, 15), '--format', 'md', '--audit', audit, '--state-dir', home, '--time-zone', 'Europe/Paris'], out);
    expect(code, out.stderr).toBe(0);
    const md = out.stdout;
    const records = await readAuditLog(audit, { runId });
    // The transcript: what the lab received that changed something, from the journal's intents.
    const intents = readFileSync(join(home, 'runs', runId, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; text?: string }).filter((e) => e.type === 'intent');
    expect(intents.map((i) => i.text)).toEqual([
      'BACKUP LOG [Sales] TO DISK = @backup_path WITH COPY_ONLY, CHECKSUM',
      'ALTER AVAILABILITY GROUP [SalesLink] SET (ROLE = SECONDARY)',
    ]);
    const section = md.slice(md.indexOf('## What changed'), md.indexOf('## Run'));
    const rows = section.split('\n').filter((l) => /^\| \d+ \|/.test(l));
    expect(rows).toHaveLength(intents.length);
    rows.forEach((row, i) => {
      expect(row).toContain(`\`${intents[i]!.text}\``);
      expect(row).toMatch(/\| ok, \d+ ms \| ok \|$/);
    });
    expect(rows[0]).toContain('@backup_path = "D:\\\\Backup\\\\Sales_splitbrain.trn"');
    const chain = await verifyAuditLog(audit);
    expect(chain.ok).toBe(true);
    expect(md).toContain(`head ${chain.ok ? chain.lastHash : ''}`);
    expect(md).toContain('Outcome: **fixed**');
    expect(md).toMatch(/\*\*Approval:\*\* [0-9a-f]{16}, approved by agmedic-demo \(key [0-9a-f]+\), expires /);
    expect(md).toContain(`**OS account and host:** ${userInfo().username} (uid `);
    expect(md).toContain(`sha256 ${(records[0] as { runbook: { sha256: string } }).runbook.sha256}`);
    expect(md).toMatch(/\*\*Started:\*\* 2026-\d\d-\d\d \d\d:\d\d:\d\d GMT\+1 \(2026-\d\d-\d\d \d\d:\d\d:\d\d UTC\)/);
    // Waits are one line each, prompts carry their evidence, skips the facts that decided them.
    expect(md.split('\n').filter((l) => l.includes('quiet_sqlserver:') && l.includes('poll'))).toHaveLength(1);
    expect(md).toMatch(/demote_sqlserver: DESTRUCTIVE: .* → run \(policy:agmedic-demo\)\n {2}- evidence roles: /);
    expect(md).toMatch(/not_split: skipped — .*\n {2}- facts roles: /);
    // Secrets never reach a report: the lab's sa password is agmedic-lab.
    expect(md).not.toContain('agmedic-lab"');
    expect(readFileSync(html, 'utf8')).not.toMatch(/password|agmedic-lab['"]/i);
  });
});
