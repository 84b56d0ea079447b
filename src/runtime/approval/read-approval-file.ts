import { readFile } from 'node:fs/promises';
import { AgmedicError } from '../../errors.js';
import { assertApprovalShape } from './check-approval-shape.js';
import type { Approval } from './types.js';

/**
 * Reads and shape-checks an approval file; `APPROVAL_FILE` if unreadable, not JSON or malformed.
 * The signature is checked by {@link verifyApproval}, not here.
 *
 * @example
 * const approval = await readApprovalFile('nightly.approval.json');
 */
export async function readApprovalFile(path: string): Promise<Approval> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new AgmedicError('APPROVAL_MISSING', `approval ${path} does not exist; an unattended run needs one (agmedic approve)`, { details: { path } });
    }
    throw new AgmedicError('APPROVAL_FILE', `cannot read approval ${path}: ${(err as Error).message}`, { cause: err });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new AgmedicError('APPROVAL_FILE', `${path} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  return assertApprovalShape(value, path);
}
