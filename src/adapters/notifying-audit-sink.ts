/**
 * Notifications come from the same stream as the audit log (design rule 8): this wraps the run's
 * AuditSink and, after each record is written, posts the ones people wait for — the run starting,
 * a confirmation waiting for an operator (guided runs), each change, the end. Posts are not awaited
 * by `append`, so a slow or dead webhook never slows or fails the run; a failed post becomes a
 * `notify-failed` audit record. `close` waits for posts in flight (each bounded by its timeout), so
 * the last one's failure is still in the chain.
 */
import { redact, redactString } from '../audit/redact.js';
import type { AuditEvent } from '../ports/audit-event.js';
import type { AuditSink } from '../ports/audit-sink.js';
import type { Notification, Notifier } from '../ports/notifier.js';

/**
 * @example
 * const audit = notifyingAuditSink(await openAuditLog(), [createWebhookNotifier(url)]);
 */
export function notifyingAuditSink(inner: AuditSink, notifiers: readonly Notifier[]): AuditSink {
  if (notifiers.length === 0) return inner;
  const inflight = new Set<Promise<void>>();
  const phase = new Map<string, string>();
  let mode = '';
  let started = 0;

  // One queue per notifier: a channel shows start, changes and end in the order they happened.
  // After an endpoint timed out, later posts to it are not attempted (each would cost a timeout
  // at close); they are audited as not sent.
  const queues = notifiers.map((notifier) => ({ notifier, tail: Promise.resolve(), down: '' }));
  const post = (n: Notification): void => {
    for (const q of queues) {
      const fail = (reason: string): Promise<void> =>
        inner.append({ type: 'notify-failed', runId: n.runId, endpoint: q.notifier.endpoint, event: n.kind, reason: redactString(reason) }).catch(() => undefined);
      const p: Promise<void> = q.tail.then(() =>
        q.down
          ? fail(`not sent: ${q.down}`)
          : q.notifier.send(n).catch((err: unknown) => {
              const reason = err instanceof Error ? err.message : String(err);
              if (/no answer within/.test(reason)) q.down = `the endpoint did not answer an earlier notification (${reason})`;
              return fail(reason);
            }),
      );
      q.tail = p;
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
    }
  };

  const notificationOf = (e: AuditEvent): Notification | undefined => {
    const record = redact(e);
    switch (e.type) {
      case 'run-start':
        mode = e.mode;
        started = Date.now();
        return { kind: 'run-start', runId: e.runId, record, text: `agmedic: ${e.runbook.name} ${e.mode === 'resume' ? 'resumed' : 'started'} (${e.mode}) by ${e.operator} on ${e.host}, run ${e.runId}, targets ${e.targets.map((t) => `${t.name} (${t.server})`).join(', ')}` };
      case 'step':
        phase.set(e.step, e.phase);
        if (e.phase === 'confirm' && mode !== 'unattended') {
          return { kind: 'prompt', runId: e.runId, record, text: `agmedic: run ${e.runId} is waiting for an operator to confirm step ${e.step}` };
        }
        return undefined;
      case 'statement':
        if (phase.get(e.step) !== 'action') return undefined;
        return {
          kind: 'change', runId: e.runId, record,
          text: `agmedic: change on ${e.target} (${e.server}) in step ${e.step}: ${redactString(e.text.replace(/\s+/g, ' ').trim()).slice(0, 300)} → ${e.outcome.status === 'ok' ? 'ok' : `error ${e.outcome.number}: ${e.outcome.message}`} (${Math.round(e.durationMs)} ms)`,
        };
      case 'azure-call':
        if (phase.get(e.step) !== 'action' || e.method === 'GET') return undefined;
        return { kind: 'change', runId: e.runId, record, text: `agmedic: change on ${e.target} in step ${e.step}: ARM ${e.method} ${e.path} → HTTP ${e.status} (${Math.round(e.durationMs)} ms)` };
      case 'run-end':
        return { kind: 'run-end', runId: e.runId, record, text: `agmedic: run ${e.runId} ended ${e.outcome}: ${e.message}${started ? ` (${Math.round((Date.now() - started) / 1000)} s)` : ''}` };
      default:
        return undefined;
    }
  };

  return {
    async append(record: AuditEvent): Promise<void> {
      await inner.append(record);
      let n: Notification | undefined;
      try {
        n = notificationOf(record);
      } catch {
        n = undefined; // a record the audit accepted but redact refuses cannot happen; never fail the run for a notification
      }
      if (n) post(n);
    },
    sync: () => inner.sync(),
    async close(): Promise<void> {
      while (inflight.size) await Promise.allSettled([...inflight]);
      await inner.close();
    },
  };
}
