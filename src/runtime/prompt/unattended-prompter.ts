/**
 * Unattended mode as a Prompter policy: it never reads a terminal. It answers "run" (typing the
 * expected name) and takes each decide step's policy choice — and it can only be built from an
 * approval that has already been verified, so "who allowed this" is always on record.
 */
import { AgmedicError } from '../../errors.js';
import type { ConfirmAnswer, DecideAnswer, Prompter } from '../../ports/prompter.js';
import type { Approval } from '../approval/types.js';

/**
 * @example
 * verifyApproval(approval, ctx);                       // throws unless it covers this run
 * const prompter = createUnattendedPrompter(approval); // then never prompts
 */
export function createUnattendedPrompter(verified: Pick<Approval, 'approver' | 'keyId'>): Prompter {
  const operator = `policy:${verified.approver}`;
  const live = (signal: AbortSignal): void => {
    if (signal.aborted) throw new AgmedicError('CANCELLED', 'interrupted');
  };
  return {
    kind: 'unattended',
    operator,
    async confirm(req, signal): Promise<ConfirmAnswer> {
      live(signal);
      // A refused typed name would loop; the policy types exactly what the run expects.
      return req.typeToConfirm ? { answer: 'run', typed: req.typeToConfirm.expected } : { answer: 'run' };
    },
    async decide(req, signal): Promise<DecideAnswer> {
      live(signal);
      return req.policyChoice === undefined ? { answer: 'abort' } : { answer: 'choose', index: req.policyChoice };
    },
  };
}

/**
 * A Prompter that must never be asked: guided runs without a terminal are refused before they
 * start (see {@link wouldPrompt}); this is the belt to that brace.
 */
export function refusingPrompter(operator: string): Prompter {
  const refuse = (): never => {
    throw new AgmedicError('NO_TTY', 'this run needs an answer but there is no terminal (use --unattended with an approval)');
  };
  return { kind: 'scripted', operator, confirm: async () => refuse(), decide: async () => refuse() };
}
