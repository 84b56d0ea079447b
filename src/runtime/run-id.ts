import { randomBytes } from 'node:crypto';
import type { Clock } from '../ports/clock.js';

/**
 * A run id that sorts by start time and says when the run began: `20250314-031502-9f3a`.
 *
 * @example
 * newRunId(clock) // '20250314-031502-9f3a'
 */
export function newRunId(clock: Clock): string {
  const iso = clock.now().toISOString();
  return `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}-${randomBytes(2).toString('hex')}`;
}

/** Run ids are also directory names: nothing else is accepted. */
export const RUN_ID_PATTERN = /^\d{8}-\d{6}-[0-9a-f]{4}$/;
