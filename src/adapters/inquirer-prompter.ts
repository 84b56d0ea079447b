/**
 * Guided mode's Prompter over inquirer 13. Before a confirmed step it prints where the step runs,
 * the exact statement (or Azure call and body) and the evidence, then asks run / skip / abort; a
 * destructive step must have the link name typed. Decide steps are a select with the policy's
 * choice preselected. Every prompt honours the run's AbortSignal (Ctrl-C).
 */
import inquirer from 'inquirer';
import { humanize } from '../compile/human-units.js';
import { AgmedicError, showInvisible } from '../errors.js';
import type { ConfirmAnswer, ConfirmRequest, DecideAnswer, DecideRequest, EvidenceItem, Prompter } from '../ports/prompter.js';
import { Secret } from '../ports/secret.js';

export interface InquirerPrompterOptions {
  operator: string;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  /** Tests drive prompts through streams that are not TTYs. */
  skipTTYChecks?: boolean;
}

const MAX_VALUE = 400;

function show(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') return value;
  let text: string;
  try {
    text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } catch {
    text = String(value);
  }
  text ??= String(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}…` : text;
}

function formatEvidence(items: readonly EvidenceItem[]): string[] {
  const lines: string[] = [];
  for (const item of items) {
    if (Array.isArray(item.value)) {
      if (item.value.length === 0) lines.push(`    ${item.label}: (no rows)`);
      item.value.slice(0, 10).forEach((row, i) => {
        const cells = row && typeof row === 'object' ? Object.entries(row as Record<string, unknown>).map(([k, v]) => `${k}=${humanize(k, v) ?? show(v)}`).join(', ') : show(row);
        lines.push(`    ${item.label}[${i}]: ${cells}`);
      });
      if (item.value.length > 10) lines.push(`    … ${item.value.length - 10} more rows`);
    } else lines.push(`    ${item.label}: ${humanize(item.label, item.value) ?? show(item.value)}`);
  }
  return lines;
}

/** The text printed before a confirmation: what runs where, with which values, on what evidence. */
export function describeConfirm(req: ConfirmRequest): string {
  const lines = [
    '',
    `${req.impact === 'destructive' ? '!! DESTRUCTIVE' : '-- change'}: ${req.title}  (step ${req.step}, run ${req.runId})`,
    `  target: ${req.targets.map((t) => t.server).join(', ')}`,
  ];
  if (req.description) lines.push(...req.description.trim().split('\n').map((l) => `  ${l}`));
  if (req.statement) {
    lines.push('  statement:');
    lines.push(...req.statement.sql.split('\n').map((l) => `    ${l}`));
    const params = Object.entries(req.statement.params);
    if (params.length) lines.push(`  bound parameters: ${params.map(([k, v]) => `@${k}=${show(v)}`).join(', ')}`);
  }
  if (req.azure) {
    lines.push(`  azure call: ${req.azure.call ?? `${req.azure.operation} on link ${req.azure.link}`}`);
    if (req.azure.body !== undefined) lines.push(`  body: ${show(req.azure.body)}`);
  }
  if (req.evidence.length) {
    const read = req.evidenceRead ? ` (read just now, ${req.evidenceRead.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}, on ${req.evidenceRead.on.join(', ')})` : '';
    lines.push(`  evidence${read}:`, ...formatEvidence(req.evidence));
  }
  if (req.evidenceChanged?.length) {
    lines.push(`  !! changed since the run chose this step: ${req.evidenceChanged.join(', ')} — read the evidence above again before you answer`);
  }
  // The message is the question itself (below); printed here too it read twice.
  if (req.retryReason) lines.push(`  (${req.retryReason})`);
  return `${lines.join('\n')}\n`;
}

/** Abort cannot be undone, so it is confirmed; "no" pauses instead (the run stays resumable). */
const ABORT_IS_FINAL = {
  type: 'confirm' as const,
  name: 'reallyAbort',
  when: (a: { choice?: unknown }) => a.choice === 'abort',
  message: 'Abort is final: this run can never be resumed. Abort? (No pauses it instead, resumable)',
  default: false,
};

function cancelled(err: unknown, signal: AbortSignal): never {
  const name = (err as { name?: string } | undefined)?.name;
  if (signal.aborted || name === 'AbortPromptError' || name === 'ExitPromptError') {
    throw new AgmedicError('CANCELLED', 'the prompt was interrupted', { cause: err });
  }
  throw err;
}

/**
 * @example
 * const prompter = createInquirerPrompter({ operator: os.userInfo().username });
 * const answer = await prompter.confirm(request, signal);
 */
export function createInquirerPrompter(opts: InquirerPrompterOptions): Prompter & { password(role: string): Promise<Secret> } {
  const output = opts.output ?? process.stdout;
  const module = (signal: AbortSignal) =>
    inquirer.createPromptModule({
      ...(opts.input ? { input: opts.input } : {}),
      ...(opts.output ? { output: opts.output } : {}),
      signal,
      ...(opts.skipTTYChecks ? { skipTTYChecks: true } : {}),
    });

  return {
    kind: 'guided',
    operator: opts.operator,

    async confirm(req: ConfirmRequest, signal: AbortSignal): Promise<ConfirmAnswer> {
      output.write(showInvisible(describeConfirm(req)));
      try {
        const typed = req.typeToConfirm;
        // One session for all questions: the typed name is asked only after "run it", the
        // final-abort warning only after "abort".
        const answers = await module(signal)<{ choice: 'run' | 'skip' | 'abort' | 'pause'; typed?: string; reallyAbort?: boolean }>([
          {
            type: 'select',
            name: 'choice',
            message: req.message ?? `${req.impact === 'destructive' ? 'Run this DESTRUCTIVE step' : 'Run this change'}?`,
            choices: [
              { name: 'skip this step (the run then ends, or goes where the runbook says, without this change)', value: 'skip' },
              { name: 'run it', value: 'run' },
              { name: 'pause (stop here; agmedic resume continues at this question)', value: 'pause' },
              { name: 'abort the run (final: it cannot be resumed)', value: 'abort' },
            ],
            default: 'skip',
          },
          ABORT_IS_FINAL,
          {
            type: 'input',
            name: 'typed',
            when: (a: { choice?: string }) => a.choice === 'run' && typed !== undefined,
            message: showInvisible(`Type ${typed?.param ?? ''} "${typed?.expected ?? ''}" to confirm (empty to skip):`),
            validate: (v: string) => v === '' || v === typed?.expected || `That is not "${typed?.expected ?? ''}". Type it exactly, or leave empty to skip.`,
          },
        ]);
        if (answers.choice === 'abort' && !answers.reallyAbort) return { answer: 'pause' };
        if (answers.choice !== 'run' || !typed) return { answer: answers.choice };
        return answers.typed === '' || answers.typed === undefined ? { answer: 'skip' } : { answer: 'run', typed: answers.typed };
      } catch (err) {
        return cancelled(err, signal);
      }
    },

    async decide(req: DecideRequest, signal: AbortSignal): Promise<DecideAnswer> {
      if (req.evidence.length) output.write(showInvisible(`\n${req.title}\n${formatEvidence(req.evidence).join('\n')}\n`));
      try {
        const { choice, reallyAbort } = await module(signal)<{ choice: number | 'abort' | 'pause'; reallyAbort?: boolean }>([
          {
            type: 'select',
            name: 'choice',
            message: req.prompt,
            choices: [
              ...req.choices.map((c) => ({ name: `${c.label}${c.index === req.policyChoice ? ' (suggested)' : ''}`, value: c.index })),
              { name: 'pause (stop here; agmedic resume continues at this question)', value: 'pause' },
              { name: 'abort the run (final: it cannot be resumed)', value: 'abort' },
            ],
            ...(req.policyChoice === undefined ? {} : { default: req.policyChoice }),
          },
          ABORT_IS_FINAL,
        ]);
        if (choice === 'pause' || (choice === 'abort' && !reallyAbort)) return { answer: 'pause' };
        return choice === 'abort' ? { answer: 'abort' } : { answer: 'choose', index: choice };
      } catch (err) {
        return cancelled(err, signal);
      }
    },

    async password(role: string): Promise<Secret> {
      const ac = new AbortController();
      try {
        const { pwd } = await module(ac.signal)<{ pwd: string }>([{ type: 'password', name: 'pwd', message: `Password for ${role}:`, mask: true }]);
        return new Secret(pwd);
      } catch (err) {
        return cancelled(err, ac.signal);
      }
    },
  };
}
