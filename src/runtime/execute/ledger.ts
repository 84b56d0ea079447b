/**
 * The intent → outcome index over a run's journal. A change is journalled (durably) as an intent
 * before it is sent and as an outcome after; after a crash, an intent with no outcome — or with a
 * `cancelled` one — is "in doubt" and only the step's verify postcondition may settle it.
 */
import type { IntentEntry, Journal, JournalEntry, OutcomeEntry } from '../../ports/journal.js';

/**
 * `none`: never sent. `open`: in doubt. `done`: took effect. `failed`: the server refused it.
 * `not-done`: in doubt, and verify showed it did not take effect (it may be sent again after a new confirmation).
 */
export type LedgerState = 'none' | 'open' | 'done' | 'failed' | 'not-done';

export class Ledger {
  private readonly last = new Map<string, IntentEntry | OutcomeEntry>();
  private readonly intents = new Map<string, IntentEntry>();

  constructor(
    private readonly journal: Journal | undefined,
    entries: readonly JournalEntry[] = [],
  ) {
    for (const e of entries) this.index(e);
  }

  private index(e: JournalEntry): void {
    if (e.type === 'status') return;
    this.last.set(e.key, e);
    if (e.type === 'intent') this.intents.set(e.key, e);
  }

  state(key: string): LedgerState {
    const e = this.last.get(key);
    if (!e) return 'none';
    if (e.type === 'intent' || e.status === 'cancelled') return 'open';
    if (e.status === 'ok') return 'done';
    return e.resolution === 'verified-not-done' ? 'not-done' : 'failed';
  }

  outcomeOf(key: string): OutcomeEntry | undefined {
    const e = this.last.get(key);
    return e?.type === 'outcome' ? e : undefined;
  }

  /** Every in-doubt intent. */
  open(): IntentEntry[] {
    return [...this.intents.values()].filter((i) => this.state(i.key) === 'open');
  }

  /** Every change that took effect, with its outcome, in the order it was sent. */
  doneChanges(): Array<{ intent: IntentEntry; outcome: OutcomeEntry }> {
    return [...this.intents.values()].filter((i) => this.state(i.key) === 'done').map((intent) => ({ intent, outcome: this.outcomeOf(intent.key)! }));
  }

  async append(entry: IntentEntry | OutcomeEntry): Promise<void> {
    this.index(entry);
    await this.journal?.append(entry);
  }
}

/** `<step>#<entry>@<role>` */
export const ledgerKey = (step: string, entry: number, role: string): string => `${step}#${entry}@${role}`;
