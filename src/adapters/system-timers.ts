import type { Timers } from '../ports/timers.js';

/**
 * The real timers, for real runs; tests hand the runtime xstate's SimulatedClock instead.
 *
 * @example
 * executeRun({ ...options, timers: systemTimers });
 */
export const systemTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id as NodeJS.Timeout),
};
