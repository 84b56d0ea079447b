/**
 * Time comes from an injected clock so tests (xstate's SimulatedClock) and audit records agree.
 *
 * @example
 * const clock: Clock = { now: () => new Date() };
 */
export interface Clock {
  now(): Date;
}
