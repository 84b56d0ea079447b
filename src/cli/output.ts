/**
 * Where the CLI writes. Commands receive an `Output` instead of touching process.stdout so the
 * table-driven CLI tests can run them in-process and read what a user would see.
 */
import { showInvisible } from '../errors.js';
export interface Output {
  out(text: string): void;
  err(text: string): void;
  /** Colour only on a TTY and never when NO_COLOR is set (https://no-color.org). */
  readonly color: boolean;
  readonly isTTY: boolean;
}

export function processOutput(): Output {
  const isTTY = Boolean(process.stdout.isTTY);
  const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
  return {
    // Every line a terminal shows passes here: names with bidi or zero-width characters are shown
    // escaped (plan, confirmation evidence, errors), so one name cannot display as another.
    out: (t) => void process.stdout.write(showInvisible(t.endsWith('\n') ? t : `${t}\n`)),
    err: (t) => void process.stderr.write(showInvisible(t.endsWith('\n') ? t : `${t}\n`)),
    color: isTTY && !noColor && process.env.TERM !== 'dumb',
    isTTY,
  };
}

/** Collects output in memory (tests). */
export function memoryOutput(opts: { color?: boolean; isTTY?: boolean } = {}): Output & { stdout: string; stderr: string } {
  const o = {
    stdout: '',
    stderr: '',
    color: opts.color ?? false,
    isTTY: opts.isTTY ?? false,
    out(t: string) {
      o.stdout += showInvisible(t.endsWith('\n') ? t : `${t}\n`);
    },
    err(t: string) {
      o.stderr += showInvisible(t.endsWith('\n') ? t : `${t}\n`);
    },
  };
  return o;
}
