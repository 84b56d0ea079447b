import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { AgmedicError } from '../../errors.js';
import { defaultLabStateFile, LAB_DEFAULT_PASSWORD, startLab, type Lab, type LabStateFile } from '../../lab/index.js';
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
  statementLog?: string;
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

/** Resolves when the process gets SIGINT or SIGTERM: the lab runs in the foreground until then. */
function untilSignal(): Promise<void> {
  return new Promise((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/**
 * `agmedic lab up`: starts the lab, writes the targets file and the state file (control URL and
 * token, for `agmedic lab fault`), prints the endpoints and waits for SIGINT/SIGTERM.
 * `until` replaces the signal wait in tests.
 */
export async function labUpCommand(opts: LabUpOptions, output: Output, until: Promise<void> = untilSignal()): Promise<number> {
  const speed = Number(opts.speed);
  if (!(Number.isFinite(speed) && speed > 0)) throw new AgmedicError('USAGE', `--speed must be a positive number, not "${opts.speed}"`);
  const pairs = int('pairs', opts.pairs, 1, 100);
  const scenarios = opts.scenario.split(',').map((s) => s.trim());
  if (scenarios.length > pairs) throw new AgmedicError('USAGE', `--scenario lists ${scenarios.length} scenarios for ${pairs} pair(s)`);
  const stateFile = resolve(opts.stateFile ?? process.env.AGMEDIC_LAB_STATE ?? defaultLabStateFile());
  const targetsOut = resolve(opts.targetsOut ?? join(dirname(stateFile), 'lab-targets.yaml'));
  mkdirSync(dirname(stateFile), { recursive: true });
  const password = labPassword(opts);

  const lab = await startLab({
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
  });
  try {
    writeStateFile(stateFile, lab, targetsOut);
    output.out(opts.json ? JSON.stringify(describe(lab, targetsOut, stateFile)) : render(lab, targetsOut, stateFile, password === LAB_DEFAULT_PASSWORD));
    await until;
  } finally {
    await lab.close();
    removeStateFileIfOurs(stateFile);
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

function render(lab: Lab, targets: string, stateFile: string, defaultPassword: boolean): string {
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
    'Before agmedic plan/run/diagnose -t <targets file>:',
    // The default password is public (it is in the docs); a chosen one is not echoed.
    `  export ${lab.env.password}=${defaultPassword ? lab.password : '<the password you chose>'}`,
    `  export ${lab.env.armToken}=${lab.armToken}`,
    'Press Ctrl-C to stop.',
  );
  return lines.join('\n');
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
  try {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { pid?: number };
    if (doc.pid === process.pid) rmSync(file, { force: true });
  } catch {
    // already gone or unreadable: nothing of ours to clean up
  }
}
