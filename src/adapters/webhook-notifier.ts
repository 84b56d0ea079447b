/**
 * A Notifier that POSTs JSON to an incoming webhook: `{"text": …, "agmedic": {kind, runId, record}}`.
 * Slack and Teams incoming webhooks display `text` and ignore the rest; other tools read `agmedic`.
 * Every post has its own timeout, so a hung endpoint costs the run nothing but one audit record.
 */
import { AgmedicError } from '../errors.js';
import type { Notification, Notifier } from '../ports/notifier.js';

/**
 * @example
 * const n = createWebhookNotifier('https://hooks.slack.com/services/T000/B000/XXXX');
 * n.endpoint // 'https://hooks.slack.com'
 */
export function createWebhookNotifier(url: string, opts: { timeoutMs?: number } = {}): Notifier {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AgmedicError('USAGE', `--notify needs an http(s) URL; "${url.slice(0, 8)}…" is not one`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new AgmedicError('USAGE', `--notify needs an http(s) URL, not ${parsed.protocol}`);
  const endpoint = parsed.origin;
  const timeoutMs = opts.timeoutMs ?? 5000;
  // The URL's path and query are credentials (Slack, Teams): never let them into a message.
  const scrub = (s: string): string => s.split(url).join(endpoint).split(parsed.pathname).join('/…');
  return {
    endpoint,
    async send(n: Notification): Promise<void> {
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text: n.text, agmedic: { kind: n.kind, runId: n.runId, record: n.record } }),
          signal: AbortSignal.timeout(timeoutMs),
          redirect: 'error',
        });
      } catch (err) {
        const e = err as Error & { cause?: { code?: string; message?: string } };
        const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `${e.message}${e.cause ? ` (${e.cause.code ?? e.cause.message})` : ''}`;
        throw new Error(scrub(why));
      }
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
    },
  };
}
