import type { CompileResult } from '../../compile/types.js';

/**
 * Whether a run of this machine could stop to ask someone: any confirmation or decide state on the
 * graph. Decided statically, before connecting, so a run without a terminal is refused at once.
 *
 * @example
 * if (!tty && !unattended && wouldPrompt(compiled)) throw new AgmedicError('NO_TTY', '…');
 */
export function wouldPrompt(compiled: Pick<CompileResult, 'graph'>): string[] {
  return compiled.graph.nodes.filter((n) => n.phase === 'confirm' || n.phase === 'choose').map((n) => n.step ?? n.id);
}
