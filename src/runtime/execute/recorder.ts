/**
 * The one door to the audit log. Every record of a run — transitions seen through xstate's
 * inspection, statements and Azure calls sent by the actors, prompts and answers — goes through
 * {@link Recorder.record}, in the order things happened. A failed write stops the run at the next
 * statement: agmedic must not act once it can no longer prove what it did.
 */
import type { AuditEvent } from '../../ports/audit-event.js';
import type { AuditSink } from '../../ports/audit-sink.js';

export class Recorder {
  private last: Promise<void> = Promise.resolve();
  private failure: unknown;

  constructor(private readonly sink: AuditSink) {}

  /** Queues a record; the sink keeps call order. */
  record(event: AuditEvent): void {
    this.last = this.sink.append(event).catch((err: unknown) => {
      this.failure ??= err;
    });
  }

  /** Throws the first write failure, if any. */
  check(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** Waits until every queued record is written. */
  async flush(): Promise<void> {
    await this.last;
    this.check();
  }

  /** Writes and forces every queued record to stable storage (around destructive steps). */
  async sync(): Promise<void> {
    await this.last;
    this.check();
    await this.sink.sync();
  }
}
