/**
 * The timer source for the statechart's delays (retry delays, wait intervals, timeouts). Shaped like
 * xstate's `Clock`, so a `SimulatedClock` drives tests and the system timers drive real runs.
 *
 * @example
 * const actor = createActor(machine, { clock: timers });
 */
export interface Timers {
  setTimeout(fn: (...args: unknown[]) => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}
