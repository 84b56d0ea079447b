import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { AgmedicError } from '../../errors.js';
import { defaultLabStateFile, type LabStateFile } from '../../lab/control/control-client.js';
import { LAB_DEFAULT_PASSWORD } from '../../lab/defaults.js';
import type { Lab } from '../../lab/index.js';
import type { LabCertificate } from '../../lab/tds/generate-lab-certificate.js';
import { EXIT } from '../exit-codes.js';
import type { Output } from '../output.js';
import { announceAndReceiveCertificate, announceClosed, isLabThread, removeStateFileOf, superviseLab, untilStopped } from '../boot/lab-supervisor.js';

export interface LabUpOptions {
  scenario: string;
  basePort: string;
  password?: string;
  /** A file whose first line is the password: unlike --password, not visible in `ps`. */
  passwordFile?: string;
  speed: string;
  targetsOut?: string;
  envOut?: string;
  statementLog?: string;
  armRequestLog?: string;
  armOpSeconds?: string;
  databaseFormat?: 'AlwaysUpToDate' | 'SQLServer2022' | 'SQLServer2025';
  tls: 'off' | 'strict';
  pairs: string;
  stateFile?: string;
  controlPort: string;
  json?: boolean;
}

const int = (name: string, text: string, min: number, max: number): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new AgmedicError('USAGE', `--${name} must be an integer from ${min} to ${max}, not "${text}"`);
  return n;
};

/**
 * The lab's sa password: `--password-file`, else `--password`, else `$AGMEDIC_LAB_PASSWORD` (the
 * variable the lab's targets file names, so one export serves both), else the public default.
 * A command-line password is visible to every user in `ps`; the file and the variable are not.
 */
export function labPassword(opts: Pick<LabUpOptions, 'password' | 'passwordFile'>, env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (opts.passwordFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(opts.passwordFile, 'utf8');
    } catch (err) {
      throw new AgmedicError('FILE_READ', `cannot read --password-file ${opts.passwordFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    const pw = text.split(/\r?\n/)[0] ?? '';
    if (pw === '') throw new AgmedicError('USAGE', `--password-file ${opts.passwordFile} is empty`);
    return pw;
  }
  if (opts.password !== undefined) return opts.password;
  const fromEnv = env.AGMEDIC_LAB_PASSWORD;
  return fromEnv === undefined || fromEnv === '' ? LAB_DEFAULT_PASSWORD : fromEnv;
}

/**
 * `agmedic lab up`: starts the lab, writes the targets file and the state file (control URL and
 * token, for `agmedic lab fault`), prints the endpoints and waits for SIGINT/SIGTERM.
 * `until` replaces the signal wait in tests (and runs the lab in this process).
 */
export async function labUpCommand(opts: LabUpOptions, output: Output, until?: Promise<void>): Promise<number> {
  const speed = Number(opts.speed);
  if (!(Number.isFinite(speed) && speed > 0)) throw new AgmedicError('USAGE', `--speed must be a positive number, not "${opts.speed}"`);
  const pairs = int('pairs', opts.pairs, 1, 100);
  const armOpSeconds = Number(opts.armOpSeconds ?? '0');
  if (!(Number.isFinite(armOpSeconds) && armOpSeconds >= 0 && armOpSeconds <= 3600)) {
    throw new AgmedicError('USAGE', `--arm-op-seconds must be a number from 0 to 3600, not "${opts.armOpSeconds}"`);
  }
  const scenarios = opts.scenario.split(',').map((s) => s.trim());
  if (scenarios.length > pairs) throw new AgmedicError('USAGE', `--scenario lists ${scenarios.length} scenarios for ${pairs} pair(s)`);
  const stateFile = resolve(opts.stateFile ?? process.env.AGMEDIC_LAB_STATE ?? defaultLabStateFile());
  const targetsOut = resolve(opts.targetsOut ?? join(dirname(stateFile), 'lab-targets.yaml'));
  const envOut = resolve(opts.envOut ?? join(dirname(stateFile), 'lab.env'));
  mkdirSync(dirname(stateFile), { recursive: true });
  // This process supervises; the lab runs in a second process running this same command (lab-supervisor.ts).
  // bin/agmedic.js normally goes straight there; this is the way in from the ES module entry.
  if (until === undefined && !isLabThread()) return superviseLab(process.argv.slice(2), process.argv[1]!, (l) => output.out(l), (l) => output.err(l));
  const password = labPassword(opts);

  // Only the process that runs the lab loads it: the supervisor starts in a fraction of the time.
  const { startLab } = await import('../../lab/start-lab.js');
  let certificate: Promise<LabCertificate> | undefined;
  if (until === undefined) {
    const made = await announceAndReceiveCertificate(stateFile, opts.json === true);
    if (made === undefined) return EXIT.ok; // stopped before it started
    if ('error' in made) throw new AgmedicError('LAB_TLS', `could not generate the lab certificate: ${made.error}`);
    certificate = Promise.resolve(made);
  }
  const lab = await startLab({
    ...(certificate === undefined ? {} : { certificate }),
    scenario: scenarios[scenarios.length - 1]!,
    scenarios,
    pairs,
    basePort: int('base-port', opts.basePort, 0, 65535),
    password,
    speed,
    tls: opts.tls,
    targetsOut,
    control: true,
    controlPort: int('control-port', opts.controlPort, 0, 65535),
    ...(opts.statementLog === undefined ? {} : { statementLogFile: resolve(opts.statementLog) }),
    ...(opts.armRequestLog === undefined ? {} : { armRequestLogFile: resolve(opts.armRequestLog) }),
    ...(opts.databaseFormat === undefined ? {} : { databaseFormat: opts.databaseFormat }),
    armOpSeconds,
  });
  let envText: string | undefined;
  try {
    writeStateFile(stateFile, lab, targetsOut);
    envText = writeEnvFile(envOut, lab, stateFile);
    output.out(opts.json ? JSON.stringify({ ...describe(lab, targetsOut, stateFile), envFile: envOut }) : render(lab, targetsOut, stateFile, envOut));
    await (until ?? untilStopped());
  } finally {
    await lab.close();
    removeStateFileIfOurs(stateFile);
    if (envText !== undefined) removeEnvFileIfOurs(envOut, envText);
    if (until === undefined) announceClosed();
  }
  if (!opts.json) output.out('agmedic lab: stopped');
  return EXIT.ok;
}

function describe(lab: Lab, targets: string, stateFile: string): Record<string, unknown> {
  return {
    startupMs: Math.round(lab.startupMs),
    // From the process's start to accepting connections: what a user waited (the lab's own part is startupMs).
    readyMs: Math.round(process.uptime() * 1000),
    targets,
    stateFile,
    control: lab.controlServer,
    tls: lab.tls,
    names: lab.names,
    pairs: lab.pairs.map((p) => ({ scenario: p.scenario, roles: p.roles, sqlserver: p.sqlserver, mi: p.mi, arm: { url: p.arm.url } })),
    env: { [lab.env.password]: lab.password, [lab.env.armToken]: lab.armToken },
  };
}

function render(lab: Lab, targets: string, stateFile: string, envFile: string): string {
  const lines = [`agmedic lab: ${lab.pairs.length} pair(s), TLS ${lab.tls}, accepting connections ${Math.round(process.uptime() * 1000)} ms after start`];
  for (const p of lab.pairs) {
    lines.push(
      `  pair ${p.index + 1} (${p.scenario}): ${p.roles.sqlserver} ${p.sqlserver.serverName} ${p.sqlserver.host},${p.sqlserver.port}` +
        ` · ${p.roles.mi} ${p.mi.fqdn} ${p.mi.host},${p.mi.port} · ARM ${p.arm.url}`,
    );
  }
  lines.push(
    `  login ${lab.login}; link ${lab.names.link}, database ${lab.names.database}, AG ${lab.names.sqlAg}; ARM /subscriptions/${lab.names.subscriptionId}/resourceGroups/${lab.names.resourceGroup}/providers/Microsoft.Sql/managedInstances/${lab.names.instance}`,
    `  targets file: ${targets}`,
    `  control: ${lab.controlServer!.url} (token in ${stateFile}; \`agmedic lab fault --help\`)`,
    '',
    // The password and ARM token go to a 0600 file, not to the terminal (a chosen password is not echoed).
    'Before agmedic plan/run/diagnose -t <targets file>, in your shell:',
    `  . ${envFile}`,
    'Play the DBA: `agmedic lab fault workload sqlserver --off` stops the application; `lab fault --help` lists the rest.',
    'Press Ctrl-C to stop.',
  );
  return lines.join('\n');
}

/** Shell-quotes a value for a POSIX `export` line. */
const shq = (v: string): string => `'${v.replace(/'/g, `'\\''`)}'`;

/** Writes `export` lines for the lab's password, ARM token and state file (mode 0600); returns the text. */
function writeEnvFile(file: string, lab: Lab, stateFile: string): string {
  const text = [
    `# written by agmedic lab up (pid ${process.pid}); removed when it stops`,
    `export ${lab.env.password}=${shq(lab.password)}`,
    `export ${lab.env.armToken}=${shq(lab.armToken)}`,
    `export AGMEDIC_LAB_STATE=${shq(stateFile)}`,
    '',
  ].join('\n');
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text, { mode: 0o600 });
    chmodSync(file, 0o600);
  } catch (cause) {
    throw new AgmedicError('LAB_CONTROL', `cannot write the lab env file ${file}`, { cause });
  }
  return text;
}

function removeEnvFileIfOurs(file: string, text: string): void {
  try {
    if (readFileSync(file, 'utf8') === text) rmSync(file, { force: true });
  } catch {
    // already gone: nothing of ours to clean up
  }
}

function writeStateFile(file: string, lab: Lab, targets: string): void {
  const state: LabStateFile = {
    pid: process.pid,
    control: lab.controlServer!,
    targets,
    pairs: lab.pairs.map((p) => ({ scenario: p.scenario, sqlserver: p.sqlserver, mi: p.mi, arm: { url: p.arm.url } })),
  };
  try {
    writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  } catch (cause) {
    throw new AgmedicError('LAB_CONTROL', `cannot write the lab state file ${file}`, { cause });
  }
}

/** Another `lab up` may have taken the file over since; only the writer removes it. */
function removeStateFileIfOurs(file: string): void {
  removeStateFileOf(file, process.pid);
}
