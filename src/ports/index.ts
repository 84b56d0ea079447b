/**
 * Ports: the interfaces and value types the runtime talks through; implementations live in
 * adapters/ and audit/ and are wired together only in cli/.
 *
 * @example
 * import { Secret, type AuditSink, type Clock } from '../ports/index.js';
 */
export type { AuditSink } from './audit-sink.js';
export type * from './audit-event.js';
export type { Clock } from './clock.js';
export { Secret } from './secret.js';
export type * from './prompter.js';
export type * from './journal.js';
export type { Timers } from './timers.js';
