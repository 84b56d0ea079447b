/**
 * Notifications: posted from the audit stream to a real local HTTP server (as a Slack/Teams
 * incoming webhook would receive them), and a failing or hung webhook neither fails nor blocks the
 * run — its failure is an audit record, without the webhook's secret path, and the chain verifies.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebhookNotifier } from '../../src/adapters/webhook-notifier.js';
import { notifyingAuditSink } from '../../src/adapters/notifying-audit-sink.js';
import { openAuditLog, readAuditLog, verifyAuditLog } from '../../src/audit/index.js';
import type { AuditEvent } from '../../src/audit/index.js';
import { tempDir } from '../audit/helpers.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function webhook(handle: (body: unknown, res: ServerResponse) => void): Promise<{ url: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      const body = JSON.parse(data) as unknown;
      bodies.push(body);
      handle(body, res);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/s3cretPath`, bodies };
}

const runId = 'run-n1';
const EVENTS: AuditEvent[] = [
  { type: 'run-start', runId, runbook: { name: 'split-brain-recovery', sha256: 'ab'.repeat(32) }, parameters: { link: 'SalesLink' }, mode: 'guided', operator: 'alice', host: 'ops01', targets: [{ name: 'sqlserver', server: 'sql01,1433' }] },
  { type: 'step', runId, step: 'roles', phase: 'start' },
  { type: 'statement', runId, step: 'roles', target: 'sqlserver', server: 'sql01,1433', text: 'SELECT 1', parameters: {}, durationMs: 2, outcome: { status: 'ok', rowCount: 1 } },
  { type: 'step', runId, step: 'demote', phase: 'confirm' },
  { type: 'prompt', runId, step: 'demote', question: 'Demote?', answer: 'run', operator: 'alice' },
  { type: 'step', runId, step: 'demote', phase: 'action' },
  { type: 'statement', runId, step: 'demote', target: 'sqlserver', server: 'sql01,1433', text: "CREATE LOGIN x WITH PASSWORD = 'hunter2'", parameters: {}, durationMs: 19, outcome: { status: 'ok', rowCount: 0 } },
  { type: 'step', runId, step: 'demote', phase: 'verify' },
  { type: 'run-end', runId, outcome: 'fixed', message: 'done' },
];

async function play(url: string, timeoutMs = 2000): Promise<{ path: string; appendMs: number }> {
  const path = join(tempDir(), 'audit.jsonl');
  const sink = notifyingAuditSink(await openAuditLog({ path }), [createWebhookNotifier(url, { timeoutMs })]);
  const t0 = performance.now();
  for (const e of EVENTS) await sink.append(e);
  const appendMs = performance.now() - t0;
  await sink.close();
  return { path, appendMs };
}

describe('--notify', () => {
  it('posts run start, the prompt waiting for an operator, each change and the end, with a text field', async () => {
    const hook = await webhook((_b, res) => res.end('ok'));
    const { path } = await play(hook.url);
    const bodies = hook.bodies as Array<{ text: string; agmedic: { kind: string } }>;
    expect(bodies.map((b) => b.agmedic.kind)).toEqual(['run-start', 'prompt', 'change', 'run-end']);
    for (const b of bodies) expect(b.text).toMatch(/^agmedic: /);
    expect(bodies[1]!.text).toContain('waiting for an operator to confirm step demote');
    expect(bodies[2]!.text).toContain('change on sqlserver (sql01,1433) in step demote');
    // Secrets never reach a notification.
    expect(JSON.stringify(bodies)).not.toContain('hunter2');
    expect((await readAuditLog(path)).some((r) => r.type === 'notify-failed')).toBe(false);
  });

  it.each([
    ['answers 500', async () => (await webhook((_b, res) => { res.statusCode = 500; res.end(); })).url, /HTTP 500/],
    ['never answers', async () => (await webhook(() => undefined)).url, /no answer within 300 ms/],
    ['refuses connections', async () => 'http://127.0.0.1:9/services/T000/B000/s3cretPath', /fetch failed|ECONNREFUSED/],
  ])('a webhook that %s: the run goes on, each failure is audited, the chain verifies', async (_name, urlOf, reason) => {
    const { path, appendMs } = await play(await urlOf(), 300);
    expect(appendMs).toBeLessThan(250); // not blocked by the webhook
    const failed = (await readAuditLog(path)).filter((r) => r.type === 'notify-failed');
    expect(failed.map((r) => (r as { event: string }).event).sort()).toEqual(['change', 'prompt', 'run-end', 'run-start']);
    expect((failed[0] as { reason: string }).reason).toMatch(reason);
    for (const f of failed) {
      expect((f as { endpoint: string }).endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    }
    expect(JSON.stringify(failed)).not.toContain('s3cretPath');
    expect((await verifyAuditLog(path)).ok).toBe(true);
  });
});

describe('notify: in $AGMEDIC_HOME/config.yaml', () => {
  it('reads a URL, a list, or { url } items; refuses anything else with USAGE', async () => {
    const { writeFileSync } = await import('node:fs');
    const { configuredNotifyUrls, notifiersFor } = await import('../../src/cli/notify-config.js');
    const home = tempDir();
    const env = { AGMEDIC_HOME: home };
    expect(await configuredNotifyUrls(env)).toEqual([]);
    writeFileSync(join(home, 'config.yaml'), 'notify:\n  - https://hooks.example/a/SECRET\n  - url: https://teams.example/b\n');
    expect(await configuredNotifyUrls(env)).toEqual(['https://hooks.example/a/SECRET', 'https://teams.example/b']);
    expect((await notifiersFor(['https://hooks.example/a/SECRET'], env)).map((n) => n.endpoint)).toEqual(['https://hooks.example', 'https://teams.example']);
    writeFileSync(join(home, 'config.yaml'), 'notify: { channel: ops }\n');
    await expect(configuredNotifyUrls(env)).rejects.toMatchObject({ code: 'USAGE' });
  });
});
