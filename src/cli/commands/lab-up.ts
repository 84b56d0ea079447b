import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { AgmedicError } from '../../errors.js';
import { defaultLabStateFile, type LabStateFile } from '../../lab/control/control-client.js';
import { LAB_DEFAULT_PASSWORD } from '../../lab/defaults.js';
import type { Lab } from '../../lab/index.js';
import type { LabCertificate } from '../../lab/tds/generate-lab-certificate.js';
import { EXIT } from '../exit-codes.js';
import type { Output } from '../output.js';

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

/** What the main thread sends the lab's thread: its certificate (first), then stop. */
type ToLab = { type: 'certificate'; certificate: LabCertificate } | { type: 'certificate'; error: string } | { type: 'stop' };

async function makeCertificate(): Promise<ToLab> {
  try {
    const [{ generateLabCertificate }, { labCertificateHosts }] = await Promise.all([import('../../lab/tds/generate-lab-certificate.js'), import('../../lab/defaults.js')]);
    return { type: 'certificate', certificate: await generateLabCertificate(labCertificateHosts()) };
  } catch (err) {
    return { type: 'certificate', error: err instanceof Error ? err.message : String(err) };
  }
}

/** In the lab's thread: the certificate the main thread made, or undefined when told to stop first. */
function receiveCertificate(): Promise<LabCertificate | undefined> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: ToLab): void => {
      parentPort?.off('message', onMessage);
      if (m.type === 'stop') resolve(undefined);
      else if ('error' in m) reject(new AgmedicError('LAB_TLS', `could not generate the lab certificate: ${m.error}`));
      else resolve(m.certificate);
    };
    parentPort?.on('message', onMessage);
  });
}

/** Resolves when the process gets SIGINT or SIGTERM (main thread only: workers get no signals). */
function untilSignal(): Promise<void> {
  return new Promise((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
  });
}

/** In the lab's thread: resolves when the main thread says stop, or is gone. */
function untilStopped(): Promise<void> {
  return new Promise((done) => {
    parentPort?.once('message', () => done());
    parentPort?.once('close', () => done());
  });
}

/** Marks the worker thread that runs the lab (its workerData). */
const LAB_THREAD = 'agmedic-lab-thread';
/** How long the lab gets to close cleanly after a signal before its thread is terminated. */
const STOP_GRACE_MS = 400;

/**
 * `lab up` runs the lab in a worker thread and keeps the main thread free. Signal handlers are
 * JavaScript and run only when the event loop is free; one slow statement in the lab (or anything
 * else that holds its loop) used to make SIGTERM and Ctrl-C wait for it — minutes, in issue 14.
 * The main thread does nothing but wait, so it always hears the signal: it asks the lab to stop,
 * terminates its thread if it has not within {@link STOP_GRACE_MS} (V8 interrupts even a running
 * statement), and removes the state file the lab could not remove itself. A thread rather than a
 * second process (as before): one Node start instead of two, about half of `lab up`'s time to
 * accepting connections (issue 13). The thread runs this same command line (bin/agmedic.js with
 * the same arguments); its output reaches this process's stdout and stderr.
 */
async function superviseLabUp(stateFile: string, output: Output, json: boolean): Promise<number> {
  const worker = new Worker(process.argv[1]!, { argv: process.argv.slice(2), workerData: { [LAB_THREAD]: true } });
  const exited = new Promise<number>((resolve) => worker.once('exit', (code) => resolve(code)));
  // An error the lab's thread did not catch: shown as a crash of the process would be.
  worker.on('error', (err) => output.err(`agmedic lab: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
  // The certificate is made here, on the other core, while the lab's thread starts and loads.
  void makeCertificate().then((message) => worker.postMessage(message));
  const first = await Promise.race([exited, untilSignal().then(() => 'signal' as const)]);
  if (first !== 'signal') {
    process.removeAllListeners('SIGINT');
    process.removeAllListeners('SIGTERM');
    return first;
  }
  // A second signal (Ctrl-C, then SIGTERM from a service manager) must not kill the process halfway.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  worker.postMessage({ type: 'stop' } satisfies ToLab);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), STOP_GRACE_MS);
  });
  const end = await Promise.race([exited, late]);
  clearTimeout(timer);
  if (end === 'late') {
    await worker.terminate();
    // The lab's thread wrote the state file under this process's pid; it could not remove it.
    removeStateFileOf(stateFile, process.pid);
    if (!json) output.out(`agmedic lab: stopped (it did not stop within ${STOP_GRACE_MS} ms)`);
    return EXIT.ok;
  }
  return end;
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
  if (until === undefined && (workerData as Record<string, unknown> | null)?.[LAB_THREAD] !== true) return superviseLabUp(stateFile, output, opts.json === true);
  const password = labPassword(opts);

  // Only the thread that runs the lab loads it: the main thread starts it in a fraction of the time.
  const { startLab } = await import('../../lab/start-lab.js');
  let certificate: Promise<LabCertificate> | undefined;
  if (until === undefined) {
    const made = await receiveCertificate();
    if (made === undefined) return EXIT.ok; // stopped before it started
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
  }
  if (!opts.json) output.out('agmedic lab: stopped');
  return EXIT.ok;
}

function describe(lab: Lab, targets: string, stateFile: string): Record<string, unknown> {
  return {
    startupMs: Math.round(lab.startupMs),
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
  const lines = [`agmedic lab: ${lab.pairs.length} pair(s), TLS ${lab.tls}, started in ${Math.round(lab.startupMs)} ms`];
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

function removeStateFileOf(file: string, pid: number | undefined): void {
  try {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { pid?: number };
    if (pid !== undefined && doc.pid === pid) rmSync(file, { force: true });
  } catch {
    // already gone or unreadable: nothing of ours to clean up
  }
}
