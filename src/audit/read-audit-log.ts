/**
 * Reads records for display (`agmedic audit show`). It does not check the chain —
 * {@link verifyAuditLog} does — but it refuses a line that is not JSON, naming it.
 */
import { AgmedicError } from '../errors.js';
import { forEachLine } from './read-lines.js';
import type { AuditRecord } from './types.js';

/**
 * @example
 * const records = await readAuditLog(defaultAuditLogPath(), { runId: '7f3c…' });
 */
export async function readAuditLog(path: string, options: { runId?: string } = {}): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  await forEachLine(path, (buf, start, end, n, complete) => {
    const text = buf.toString('utf8', start, end);
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch {
      throw new AgmedicError('AUDIT_PARSE', `${path}:${n}: ${complete ? 'not a JSON record' : 'incomplete last line'}`, { details: { line: n } });
    }
    if (typeof record !== 'object' || record === null || typeof (record as { type?: unknown }).type !== 'string') {
      throw new AgmedicError('AUDIT_PARSE', `${path}:${n}: not an audit record`, { details: { line: n } });
    }
    if (options.runId === undefined || (record as AuditRecord).runId === options.runId) records.push(record as AuditRecord);
  });
  return records;
}
