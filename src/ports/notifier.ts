/**
 * Where a run announces itself to people who are not at the terminal: a chat channel's incoming
 * webhook (Slack, Teams), an on-call tool. Best effort by contract: a notifier never decides
 * anything about the run; a failure is reported back to be audited, never thrown into the run.
 *
 * @example
 * await notifier.send({ kind: 'change', runId, text: 'demote_sqlserver: ALTER AVAILABILITY GROUP … → ok' });
 */
export interface Notification {
  kind: 'run-start' | 'prompt' | 'change' | 'run-end';
  runId: string;
  /** One human line; what Slack and Teams display. */
  text: string;
  /** The (already redacted) audit record it was made from, for machines. */
  record?: unknown;
}

export interface Notifier {
  /** Where it posts, as it may be shown and audited: the origin only (a webhook's path is its secret). */
  readonly endpoint: string;
  /** Resolves when delivered; rejects with the reason when not. Must settle within its own timeout. */
  send(n: Notification): Promise<void>;
}
