import type { LiveSession } from '../model/types.js';

/**
 * The text each running request executes, for sys.dm_exec_requests.sql_handle and
 * sys.dm_exec_sql_text. Kept beside the model (keyed by its LiveSession objects) because only the
 * SQL front end knows the text.
 */
const texts = new WeakMap<LiveSession, { text: string; handle: Uint8Array }>();

export function setRunningText(live: LiveSession, text: string): void {
  const handle = new Uint8Array(20);
  handle[0] = 0x02;
  new DataView(handle.buffer).setUint32(4, live.spid);
  new DataView(handle.buffer).setFloat64(8, live.running?.startedAt ?? 0);
  texts.set(live, { text, handle });
}

export function runningTextOf(live: LiveSession): { text: string; handle: Uint8Array } | undefined {
  return live.running ? texts.get(live) : undefined;
}
