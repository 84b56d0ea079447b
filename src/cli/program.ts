/**
 * The command table. Each command's module is imported only when that command runs, so
 * `plan`/`validate`/`graph`/`schema` never load mssql or @azure/* (checked by a test).
 */
import { Command, CommanderError, Option } from 'commander';
import { formatDiagnostics, isAgmedicError } from '../errors.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { collect } from './parse-params.js';
import type { Output } from './output.js';
import { VERSION } from './version.js';

/** A command module's entry: does its work, writes through `out`, returns an exit code. */
export type CommandResult = Promise<number>;

const EXAMPLES = `
Examples:
  $ agmedic list
  $ agmedic validate runbooks/my-runbook.yaml
  $ agmedic plan split-brain-recovery -p link=SalesLink -p keep=managedInstance
  $ agmedic plan split-brain-recovery -p link=SalesLink -p keep=sqlserver --format json --out plan.json
  $ agmedic graph certificate-rotation --format dot | dot -Tsvg > cert.svg
  $ agmedic schema > runbook.schema.json

Exit codes: 0 ok · 1 invalid input · 2 usage · 3 not found · 4 refused · 5 run failed ·
6 aborted · 7 target unreachable · 8 audit broken · 10–15 approval refused · 70 internal error.
Colour: on a TTY unless NO_COLOR is set.`;

export function createProgram(output: Output, setExit: (code: number) => void): Command {
  const program = new Command('agmedic')
    .description('Guided remediation for SQL Server Always On and the Azure SQL Managed Instance link.')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXAMPLES)
    .configureOutput({ writeOut: (s) => output.out(s), writeErr: (s) => output.err(s) })
    .exitOverride();

  const act =
    <A extends unknown[]>(load: (...args: A) => CommandResult) =>
    async (...args: A) => {
      setExit(await load(...args));
    };

  program
    .command('list')
    .description('list the shipped runbooks (and those in --dir)')
    .option('--dir <dir>', 'also list the runbooks in this folder')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  $ agmedic list --json')
    .action(act(async (opts) => (await import('./commands/list.js')).listCommand(opts, output)));

  program
    .command('validate')
    .description('check runbooks: schema, references, CEL types, SQL templates and the safety proof')
    .argument('<file...>', 'runbook files or folders (or shipped runbook names)')
    .option('--json', 'machine-readable diagnostics')
    .addHelpText('after', '\nExample:\n  $ agmedic validate runbooks/*.yaml')
    .action(act(async (files, opts) => (await import('./commands/validate.js')).validateCommand(files, opts, output)));

  program
    .command('plan')
    .description('print exactly what a run would send where, in order, without connecting')
    .argument('<runbook>', 'a runbook file or the name of a shipped runbook')
    .option('-p, --param <name=value>', 'a runbook parameter (repeatable)', collect, [])
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'mermaid']).default('text'))
    .option('--out <file>', 'also save the plan as JSON to this file')
    .addHelpText('after', '\nExample:\n  $ agmedic plan split-brain-recovery -p link=SalesLink -p keep=managedInstance')
    .action(act(async (runbook, opts) => (await import('./commands/plan.js')).planCommand(runbook, opts, output)));

  program
    .command('graph')
    .description('print the compiled statechart')
    .argument('<runbook>', 'a runbook file or the name of a shipped runbook')
    .addOption(new Option('--format <format>', 'output format').choices(['mermaid', 'dot']).default('mermaid'))
    .addHelpText('after', '\nExample:\n  $ agmedic graph split-brain-recovery --format dot')
    .action(act(async (runbook, opts) => (await import('./commands/graph.js')).graphCommand(runbook, opts, output)));

  program
    .command('schema')
    .description('print the JSON Schema of the runbook format (for editors)')
    .addHelpText('after', '\nExample (VS Code YAML extension):\n  # yaml-language-server: $schema=./runbook.schema.json')
    .action(act(async () => (await import('./commands/schema.js')).schemaCommand(output)));

  return program;
}

/**
 * Runs the CLI in-process and returns the exit code; never calls process.exit, so tests can
 * drive it table-style.
 */
export async function runCli(argv: readonly string[], output: Output): Promise<number> {
  let code: number = EXIT.ok;
  const program = createProgram(output, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through exitOverride with exitCode 0.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    return reportError(err, output);
  }
}

export function reportError(err: unknown, output: Output): number {
  if (isAgmedicError(err)) {
    output.err(err.diagnostics.length ? formatDiagnostics(err.diagnostics) : `agmedic: ${err.code}  ${err.message}`);
    return exitCodeFor(err.code);
  }
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  output.err(`agmedic: INTERNAL  unexpected error (a bug in agmedic; please report it)\n${message}`);
  return EXIT.internal;
}
