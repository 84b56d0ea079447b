import type { Clock } from './types.js';

/**
 * A clock tests move by hand, so dynamics are reproducible.
 *
 * @example
 * const clock = new ManualClock(Date.parse('2025-06-01T08:00:00Z'));
 * clock.advance(60_000);
 */
export class ManualClock implements Clock {
  constructor(private ms: number) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
  set(ms: number): void {
    this.ms = ms;
  }
}

/**
 * Simulated time that runs `speed` simulated seconds per real second from `start`, so a six-hour
 * seeding can be watched in minutes (`agmedic lab up --speed 60`).
 *
 * @example
 * const clock = new ScaledClock(Date.parse('2025-06-01T08:00:00Z'), 60);
 */
export class ScaledClock implements Clock {
  private readonly realStart: number;
  constructor(
    private readonly start: number,
    readonly speed: number,
    private readonly real: () => number = Date.now,
  ) {
    this.realStart = real();
  }
  now(): number {
    return Math.floor(this.start + (this.real() - this.realStart) * this.speed);
  }
}
