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
  $ agmedic lab up --scenario split-brain --targets-out lab-targets.yaml
  $ agmedic diagnose -t lab-targets.yaml
  $ agmedic plan split-brain-recovery -p link=SalesLink -p keep=managedInstance -p backup_path=/var/opt/mssql/backup/Sales.trn --live -t lab-targets.yaml
  $ agmedic run split-brain-recovery -p link=SalesLink -p keep=managedInstance -p backup_path=/var/opt/mssql/backup/Sales.trn -t lab-targets.yaml
  $ agmedic audit verify

Exit codes: 0 ok · 1 invalid input · 2 usage · 3 not found · 4 refused · 5 run failed ·
6 aborted · 7 target unreachable · 8 audit broken · 9 diagnose found something critical ·
10–15 approval refused · 16 approval revoked · 70 internal error.
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
    .description('print exactly what a run would send where, in order; --live also reads the current state (read-only)')
    .argument('<runbook>', 'a runbook file or the name of a shipped runbook')
    .option('-p, --param <name=value>', 'a runbook parameter (repeatable)', collect, [])
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'mermaid']).default('text'))
    .option('--out <file>', 'also save the plan as JSON to this file')
    .option('--live', 'connect, run the read-only checks, show the route and fingerprint the facts it relied on')
    .option('-t, --targets <file>', 'targets file for --live (default $AGMEDIC_TARGETS)')
    .option('--pair <id>', "one link of a fleet's targets file: its sqlserver-<id> / mi-<id> become sqlserver / mi")
    .addHelpText(
      'after',
      '\nExamples:\n  $ agmedic plan split-brain-recovery -p link=SalesLink -p keep=managedInstance\n' +
        '  $ agmedic plan split-brain-recovery -p link=SalesLink -p keep=managedInstance -p backup_path=/b/s.trn --live -t targets.yaml --out plan.json',
    )
    .action(act(async (runbook, opts) => (await import('./commands/plan.js')).planCommand(runbook, opts, output)));

  program
    .command('describe')
    .description("print a runbook's description, caveats (notes), parameters and a summary of its steps")
    .argument('<runbook>', 'a runbook file or the name of a shipped runbook')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  $ agmedic describe premature-log-truncation')
    .action(act(async (runbook, opts) => (await import('./commands/describe.js')).describeCommand(runbook, opts, output)));

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

  program
    .command('keygen')
    .description('make an Ed25519 key pair for signing approvals (private key mode 0600)')
    .requiredOption('--out <dir>', 'folder to write NAME.key and NAME.pub into')
    .option('--name <name>', 'file name stem', 'approver')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  $ agmedic keygen --out ~/keys --name alice')
    .action(act(async (opts) => (await import('./commands/keygen.js')).keygenCommand(opts, output)));

  program
    .command('approve')
    .description('sign an approval for unattended runs of a runbook, or --check one against a run')
    .argument('<runbook>', 'a runbook file or the name of a shipped runbook')
    .option('-p, --param <name=value>', 'pin a parameter value (repeatable; defaults are pinned too)', collect, [])
    .option('--constraint <name=value|name=/regex/|name=min..max>', 'allow a range of values instead (repeatable; repeated values: one of)', collect, [])
    .option('--key <file>', 'the approver\'s private key (agmedic keygen)')
    .option('--approver <name>', 'who approves, e.g. alice@contoso.com')
    .option('--targets <servers>', 'allowed servers: host, host,port or host:port, comma-separated (repeatable)', collect, [])
    .option('-t, --targets-file <file>', 'allow the servers this targets file names for the runbook\'s roles')
    .option('--expires <when>', 'a duration from now (24h, 7d) or an ISO time', '24h')
    .option('--out <file>', 'write the approval here (default: print it)')
    .option('--check <approval>', 'instead of signing: does this approval cover a run with these -p and targets? (exit 0, 10–15 or 16 revoked)')
    .option('--trusted-keys <dir>', 'with --check: folder of trusted *.pub keys (default $AGMEDIC_HOME/trusted-keys)')
    .option('--at <time>', 'with --check: judge as of this ISO time instead of now')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
Examples:
  $ agmedic approve split-brain-recovery -p link=SalesLink -p keep=managedInstance -p backup_path='D:\\Backup\\s.trn' \\
      --key ~/keys/alice.key --approver alice@contoso.com --targets sql01,mi-prod.abc.database.windows.net --expires 24h --out nightly.approval.json
  $ agmedic approve link-failover --constraint link=/Sales.*/ -p to=managedInstance -p sql_ag=AG_Sales -p mi_ag=AG_Sales_MI \\
      --key alice.key --approver alice -t targets.yaml --expires 7d --out a.json
  $ agmedic approve split-brain-recovery --check nightly.approval.json -p link=SalesLink -p keep=managedInstance -t targets.yaml

Exit codes (--check): 0 covered · 10 missing · 11 altered or untrusted key · 12 expired · 13 other runbook or runbook changed ·
14 target not allowed · 15 parameter outside its constraint · 16 revoked.`,
    )
    .action(act(async (runbook, opts) => (await import('./commands/approve.js')).approveCommand(runbook, opts, output)));

  program
    .command('approvals')
    .description('the approvals in a folder: scope (runbook, targets, parameters), approver, expiry, and whether each is honoured now')
    .argument('[dir]', 'folder of *.json approvals (default: the current folder)')
    .option('--trusted-keys <dir>', 'folder of trusted *.pub keys (default $AGMEDIC_HOME/trusted-keys)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  $ agmedic approvals /etc/agmedic/approvals\n  $ echo 3f9c2a7b1d0e4c55 >> ~/.agmedic/revoked-approvals   # withdraw one (exit 16 from then on)')
    .action(act(async (dir, opts) => (await import('./commands/approvals.js')).approvalsCommand(dir, opts, output)));

  const audit = program.command('audit').description('the hash-chained action log: show runs, verify the chain');
  audit
    .command('show')
    .description('list the runs, or show one run as a timeline')
    .argument('[run-id]', 'a run id (or a unique prefix of one)')
    .option('--audit <file>', 'the audit log (default $AGMEDIC_HOME/audit.jsonl, i.e. ~/.agmedic/audit.jsonl)')
    .option('--runbook <name>', 'only runs of this runbook')
    .option('--since <when>', 'only runs started since: a duration back from now (2h, 7d) or an ISO time')
    .option('--outcome <outcome>', 'only runs that ended so: fixed, failed, aborted, refused, interrupted, running, …')
    .option('--target <name>', 'only runs against this target (role name, substring)')
    .option('--state-dir <dir>', 'where run journals live, for the status of unfinished runs (default $AGMEDIC_HOME)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  $ agmedic audit show\n  $ agmedic audit show --since 7d --outcome failed\n  $ agmedic audit show 7f3c --json')
    .action(act(async (runId, opts) => (await import('./commands/audit.js')).auditShowCommand(runId, opts, output)));
  audit
    .command('verify')
    .description('check the hash chain; names the first edited, deleted, inserted or reordered record (exit 8)')
    .option('--audit <file>', 'the audit log (default $AGMEDIC_HOME/audit.jsonl, i.e. ~/.agmedic/audit.jsonl)')
    .option('--head <hash>', 'a head hash printed by an earlier verify and kept elsewhere: it must still be in the chain (detects a cut or re-hashed end)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  $ agmedic audit verify --audit /var/log/agmedic/audit.jsonl --head 4fa036aef3e5…')
    .action(act(async (opts) => (await import('./commands/audit.js')).auditVerifyCommand(opts, output)));

  program
    .command('report')
    .description('the post-incident report of a run, from the audit log and its journal: header, route on the statechart, what changed, timeline')
    .argument('<run-id>', 'a run id (or a unique prefix of one)')
    .addOption(new Option('--format <format>', 'output format').choices(['html', 'md']).default('html'))
    .option('--out <file>', 'write the report here (default: print it)')
    .option('--audit <file>', 'the audit log (default: the run\'s own, else $AGMEDIC_HOME/audit.jsonl)')
    .option('--state-dir <dir>', 'where run journals live (default $AGMEDIC_HOME)')
    .option('--time-zone <zone>', 'IANA zone for local times (default: this machine\'s)')
    .addHelpText('after', '\nExamples:\n  $ agmedic report 20250314-031502-9f3a --out incident-4711.html\n  $ agmedic report 2025031 --format md > change-ticket.md')
    .action(act(async (runId, opts) => (await import('./commands/report.js')).reportCommand(runId, opts, output)));

  program
    .command('runs')
    .description('the runs in $AGMEDIC_HOME/runs that can be resumed (--all: every run) with their status')
    .option('--all', 'every run, finished ones too')
    .option('--state-dir <dir>', 'where run journals live (default $AGMEDIC_HOME)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  $ agmedic runs\n  $ agmedic runs --all --json')
    .action(act(async (opts) => (await import('./commands/runs.js')).runsCommand(opts, output)));

  program
    .command('run')
    .description('run a runbook against its targets: guided at a terminal, or --unattended with a signed approval')
    .argument('<runbook>', 'a runbook file, the name of a shipped runbook, or a plan saved by agmedic plan --out plan.json')
    .option('-p, --param <name=value>', 'a runbook parameter (repeatable; not with a plan, which carries its own)', collect, [])
    .option('-t, --targets <file>', 'targets file (default $AGMEDIC_TARGETS)')
    .option('--pair <id>', "one link of a fleet's targets file (what diagnose recommends): its sqlserver-<id> / mi-<id> become sqlserver / mi")
    .option('--unattended', 'never prompt; needs --approval (a signed approval covering this run)')
    .option('--approval <file>', 'the signed approval for --unattended (agmedic approve)')
    .option('--trusted-keys <dir>', 'folder of trusted *.pub keys (default $AGMEDIC_HOME/trusted-keys)')
    .option('--audit <file>', 'the audit log (default $AGMEDIC_HOME/audit.jsonl, i.e. ~/.agmedic/audit.jsonl)')
    .option('--state-dir <dir>', 'where run journals live (default $AGMEDIC_HOME, i.e. ~/.agmedic; runs in <dir>/runs/RUN_ID)')
    .option('--notify <url>', 'post the start, each prompt waiting for an operator, each change and the end to this webhook (Slack, Teams; repeatable; also notify: in $AGMEDIC_HOME/config.yaml)', collect, [])
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ agmedic run split-brain-recovery -p link=SalesLink -p keep=managedInstance -p backup_path='D:\\Backup\\s.trn' -t targets.yaml
  $ agmedic run link-failover -p link=SalesLink -t targets.yaml --unattended --approval nightly.approval.json --json
  $ agmedic run plan.json -t targets.yaml     # a live plan: refused (exit 4) if the state it relied on changed

Exit codes: 0 fixed or nothing to do · 4 refused (no terminal, lock held, runbook refused, stale plan, runbook changed since the plan) · 5 failed ·
6 aborted or interrupted (Ctrl-C; agmedic resume RUN_ID) · 7 target unreachable · 10–15 approval refused · 16 approval revoked.`,
    )
    .action(act(async (runbook, opts) => (await import('./commands/run.js')).runCommand(runbook, opts, output)));

  program
    .command('resume')
    .description('continue an interrupted run from its journal (in-doubt changes are settled by their verify)')
    .argument('<run-id>', 'the run id printed when the run started')
    .option('--state-dir <dir>', 'where run journals live (default $AGMEDIC_HOME, i.e. ~/.agmedic)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExample:\n  $ agmedic resume 20250314-031502-9f3a\n\nExit codes: as for run; 3 no such run · 4 the runbook file changed since the run started.')
    .action(act(async (runId, opts) => (await import('./commands/resume.js')).resumeCommand(runId, opts, output)));

  program
    .command('diagnose')
    .description('triage one link or a fleet: facts from both sides (and ARM) → findings → the runbook to run')
    .option('-t, --targets <file>', 'targets file (default $AGMEDIC_TARGETS, else targets.yaml); a fleet pairs sqlserver-<id> with mi-<id>')
    .option('--sample <duration>', 'how long to sample HADR wait deltas (flow control); 0 = skip', '5s')
    .option('--concurrency <n>', 'network operations in flight at once across the fleet', '16')
    .option('--link <name>', 'only this link (distributed availability group); default: every link found')
    .option('--pair <id>', 'only this pair (repeatable; "default" for the plain sqlserver/mi roles)', collect, [])
    .option('--rules <file>', 'use these rule files instead of the shipped ones (repeatable)', collect, [])
    .option('--all', 'also detail info findings')
    .option('--json', 'machine-readable report with every fact')
    .addHelpText(
      'after',
      `
Examples:
  $ agmedic diagnose -t targets.yaml
  $ agmedic diagnose -t fleet.yaml --sample 10s --concurrency 32 --json > report.json

Exit codes: 0 nothing critical · 9 at least one critical finding (an unreachable target counts) ·
1 invalid rules or targets file · 2 usage.`,
    )
    .action(act(async (opts) => (await import('./commands/diagnose.js')).diagnoseCommand(opts, output)));

  program
    .command('demo')
    .description('the lab in split brain: plan --live, then recovery (guided at a terminal, unattended under a demo approval otherwise), verified')
    .option('--speed <n>', 'simulated seconds per real second in the lab', '100')
    .option('--unattended', 'run the recovery unattended even at a terminal')
    .addHelpText('after', '\nExamples:\n  $ agmedic demo\n  $ CI=true agmedic demo --speed 200')
    .action(act(async (opts) => (await import('./commands/demo.js')).demoCommand(opts, output)));

  program
    .command('estimate-seeding')
    .description('how long initial seeding of the link takes, and whether the 6-day limit is at risk')
    .requiredOption('--size <size>', 'size of each database, e.g. 100GB, 1.5TB')
    .requiredOption('--speed <speed>', 'link speed, e.g. 84GB/h, 3MB/s, 1Gbps')
    .option('--databases <n>', 'databases seeding at once (they share the bandwidth)', '1')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  $ agmedic estimate-seeding --size 100GB --speed 84GB/h\n  $ agmedic estimate-seeding --size 500GB --speed 10GB/h --databases 4')
    .action(act(async (opts) => (await import('./commands/estimate-seeding.js')).estimateSeedingCommand(opts, output)));

  const lab = program.command('lab').description('the rehearsal lab: SQL Server + managed instance + ARM, over real TDS and HTTPS');
  lab
    .command('up')
    .description('start the lab in the foreground (until Ctrl-C); prints endpoints and writes a targets file')
    .option('--scenario <name>', 'healthy, split-brain, cert-expired, log-truncation, flow-control, slow-seeding (comma list: per pair)', 'healthy')
    .option('--base-port <port>', 'SQL Server on P, managed instance on P+1, ARM on P+2 (next pair P+3…); 0 = ephemeral', '11433')
    .option('--password <pw>', 'the sa password (visible in ps: prefer --password-file or $AGMEDIC_LAB_PASSWORD; default agmedic-lab)')
    .option('--password-file <file>', 'read the sa password from the first line of this file')
    .option('--speed <n>', 'simulated seconds per real second', '1')
    .option('--targets-out <file>', 'write the targets file here (default next to the state file: lab-targets.yaml)')
    .option('--env-out <file>', 'write `export` lines for the password and ARM token here, mode 0600 (default next to the state file: lab.env)')
    .option('--statement-log <file>', 'append every statement each instance receives as JSON lines')
    .option('--arm-request-log <file>', 'append every ARM request the emulator receives as JSON lines (never headers or tokens)')
    .option('--arm-op-seconds <n>', 'how long each ARM long-running operation stays in progress (simulated seconds), as in Azure', '0')
    .addOption(new Option('--database-format <policy>', "the managed instance's update policy (ARM databaseFormat)").choices(['AlwaysUpToDate', 'SQLServer2022', 'SQLServer2025']))
    .addOption(new Option('--tls <mode>', 'TDS encryption: off, or strict (TDS 8.0, CA written next to the targets file)').choices(['off', 'strict']).default('off'))
    .option('--pairs <n>', 'independent links on consecutive port triples (fleets, up to 100)', '1')
    .option('--state-file <file>', 'where to write the control URL and token (default $AGMEDIC_LAB_STATE, $AGMEDIC_HOME/lab.json or ~/.agmedic/lab.json)')
    .option('--control-port <port>', 'loopback control port for `lab fault` (0 = ephemeral)', '0')
    .option('--json', 'print the endpoints as one JSON line')
    .addHelpText('after', '\nExamples:\n  $ agmedic lab up\n  $ agmedic lab up --scenario split-brain --targets-out lab.yaml --statement-log statements.jsonl\n  $ agmedic lab up --pairs 20 --base-port 20000 --scenario healthy,split-brain\n  $ agmedic lab up --arm-op-seconds 5 --arm-request-log arm.jsonl --database-format AlwaysUpToDate')
    .action(act(async (opts) => (await import('./commands/lab-up.js')).labUpCommand(opts, output)));
  const connectOptions = (c: Command): Command =>
    c
      .option('--pair <n>', 'which pair (from 1)', '1')
      .option('--control <url>', 'the control URL `lab up` printed (with --token; or $AGMEDIC_LAB_CONTROL)')
      .option('--token <token>', 'the control token (or $AGMEDIC_LAB_CONTROL_TOKEN)')
      .option('--state <file>', 'the lab state file (default $AGMEDIC_LAB_STATE, $AGMEDIC_HOME/lab.json or ~/.agmedic/lab.json)')
      .option('--json', 'machine-readable output');
  connectOptions(
    lab
      .command('fault')
      .description('inject a fault or play the DBA in a running lab: drop-connections, refuse-connections, delay-statements, fail-next, restart, partition, workload, trust-certificate, recreate-link')
      .argument('<kind>', 'drop-connections | refuse-connections | delay-statements | fail-next | restart | partition | workload | trust-certificate | recreate-link')
      .argument('[instance]', 'sqlserver, mi, SQL01 or mi-lab (not for partition, trust-certificate, recreate-link)')
      .option('--on', 'refuse-connections / partition / trust-certificate: turn on or add (the default)')
      .option('--off', 'refuse-connections / partition / delay-statements / workload / trust-certificate: turn off, stop or remove')
      .option('--rate <bytes>', 'workload: log bytes per second the application writes while the instance is primary')
      .option('--name <name>', 'trust-certificate: the server trust certificate on the managed instance')
      .option('--certificate <name>', "trust-certificate: the SQL Server certificate whose public key is uploaded (default: --name)")
      .option('--drop-mi-database', 'recreate-link: remove the database the old link left on the managed instance first')
      .option('--ms <n>', 'delay-statements: milliseconds per statement')
      .option('--pattern <regex>', 'fail-next: case-insensitive regular expression over the statement text')
      .option('--error <number>', 'fail-next: the SQL Server error number to raise')
      .option('--message <text>', 'fail-next: the error message'),
  )
    .addHelpText(
      'after',
      "\nExamples:\n  $ agmedic lab fault restart sqlserver\n  $ agmedic lab fault fail-next mi --pattern '^ALTER AVAILABILITY' --error 41190\n  $ agmedic lab fault partition --off\n  $ agmedic lab fault workload sqlserver --off            # the application stops writing\n  $ agmedic lab fault trust-certificate --name SQL01_Link_Cert_2027   # New-AzSqlInstanceServerTrustCertificate\n  $ agmedic lab fault trust-certificate --name SQL01_Link_Cert --off   # Remove-AzSqlInstanceServerTrustCertificate\n  $ agmedic lab fault recreate-link --drop-mi-database",
    )
    .action(act(async (kind, instance, opts) => (await import('./commands/lab-fault.js')).labFaultCommand(kind, instance, opts, output)));
  connectOptions(lab.command('state').description('roles, connections and link state of a running lab').option('--all', 'every pair'))
    .addHelpText('after', '\nExample:\n  $ agmedic lab state --all --json')
    .action(act(async (opts) => (await import('./commands/lab-fault.js')).labStateCommand(opts, output)));

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
