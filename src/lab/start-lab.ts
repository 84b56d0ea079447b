import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { AgmedicError } from '../errors.js';
import { createWorldArmBackend } from './arm/create-world-arm-backend.js';
import { createWorldInstanceBackend } from './arm/create-world-instance-backend.js';
import { startArmEmulator } from './arm/start-arm-emulator.js';
import type { ArmEmulator } from './arm/types.js';
import { createPairControl } from './control/create-pair-control.js';
import { appendStatementsTo, toLabStatement } from './control/record-statements.js';
import { LAB_ARM_TOKEN_ENV, LAB_CA_FILE, LAB_PASSWORD_ENV, renderTargets } from './control/render-targets.js';
import { startControlServer, type ControlServer } from './control/start-control-server.js';
import type { Lab, LabNames, LabPair, LabStatement, StartLabOptions } from './control/types.js';
import { ScaledClock } from './model/clock.js';
import { createWorld, LAB_NAMES, type WorldSpec } from './model/create-world.js';
import type { LabWorld } from './model/lab-world.js';
import { setDatabaseFormat } from './model/instance-format.js';
import { loadScenario } from './scenarios/load-scenario.js';
import { createInstanceEngine } from './sql/create-instance-engine.js';
import { generateLabCertificate, type LabCertificate } from './tds/generate-lab-certificate.js';
import { startTdsServer } from './tds/start-tds-server.js';
import { LAB_DEFAULT_PASSWORD, labCertificateHosts } from './defaults.js';
import type { TdsServer } from './tds/types.js';

export type * from './control/types.js';

export { LAB_DEFAULT_PASSWORD };
export const LAB_DEFAULT_BASE_PORT = 11433;
export const LAB_MAX_PAIRS = 100;
const SUBSCRIPTION_ID = '00000000-0000-0000-0000-000000000000';
const RESOURCE_GROUP = 'agmedic-lab';

export const LAB_FIXED_NAMES: LabNames = {
  login: 'sa',
  link: LAB_NAMES.dag,
  database: LAB_NAMES.database,
  sqlAg: LAB_NAMES.sqlAg,
  miAg: LAB_NAMES.miAg,
  sqlserver: LAB_NAMES.sqlserver,
  sqlserverFqdn: LAB_NAMES.sqlserverFqdn,
  mi: LAB_NAMES.mi,
  miFqdn: LAB_NAMES.miFqdn,
  subscriptionId: SUBSCRIPTION_ID,
  resourceGroup: RESOURCE_GROUP,
  instance: LAB_NAMES.mi,
};

/**
 * Starts the lab: for each pair one simulated world with SQL Server (TDS on basePort+3i), the
 * managed instance (TDS on +1) and the ARM emulator of the link resource (HTTPS on +2), all over
 * one state model. Everything listens before the promise resolves.
 *
 * @example
 * const lab = await startLab({ scenario: 'split-brain' });
 * const pool = await new sql.ConnectionPool({ server: lab.host, port: lab.sqlserver.port, user: 'sa',
 *   password: lab.password, options: { encrypt: false } }).connect();
 * lab.control.failNext('sqlserver', /^ALTER AVAILABILITY GROUP/i, 41190);
 * await lab.close();
 */
export async function startLab(options: StartLabOptions = {}): Promise<Lab> {
  const started = performance.now();
  const pairCount = options.pairs ?? 1;
  if (!Number.isInteger(pairCount) || pairCount < 1 || pairCount > LAB_MAX_PAIRS) {
    throw new AgmedicError('LAB_CONTROL', `pairs must be an integer from 1 to ${LAB_MAX_PAIRS}, not ${pairCount}`);
  }
  const basePort = options.basePort ?? 0;
  if (!Number.isInteger(basePort) || basePort < 0 || (basePort > 0 && basePort + pairCount * 3 - 1 > 65535)) {
    throw new AgmedicError('LAB_CONTROL', `base port ${basePort} leaves no room for ${pairCount} pair(s) of 3 ports`);
  }
  const armOpSeconds = options.armOpSeconds ?? 0;
  if (!(Number.isFinite(armOpSeconds) && armOpSeconds >= 0 && armOpSeconds <= 3600)) {
    throw new AgmedicError('LAB_CONTROL', `ARM operation seconds must be a number from 0 to 3600, not ${armOpSeconds}`);
  }
  const speed = options.speed ?? 1;
  if (!(Number.isFinite(speed) && speed > 0)) throw new AgmedicError('LAB_CONTROL', `speed must be a positive number, not ${speed}`);
  const host = options.host ?? '127.0.0.1';
  const password = options.password ?? LAB_DEFAULT_PASSWORD;
  if (password === '') throw new AgmedicError('LAB_CONTROL', 'the lab password must not be empty');
  const tlsMode = options.tls ?? 'off';
  const armToken = options.armToken ?? randomBytes(24).toString('base64url');
  const scenarioOf = (i: number): string => options.scenarios?.[i] ?? options.scenario ?? 'healthy';
  // Unknown scenarios fail before any port is taken; each file is parsed once per lab, not per pair.
  const specs = new Map<string, WorldSpec>();
  for (let i = 0; i < pairCount; i++) if (!specs.has(scenarioOf(i))) specs.set(scenarioOf(i), loadScenario(scenarioOf(i)).world);

  // One certificate for every listener: key generation dominates startup, and 100 pairs must start fast.
  // A certificate made elsewhere covers the default names only: another host gets its own.
  const premade = options.certificate !== undefined && labCertificateHosts().includes(host);
  const cert = await (premade ? options.certificate! : generateLabCertificate(labCertificateHosts(host)));
  const logFile = options.statementLogFile;
  const closers: (() => Promise<void>)[] = [];
  // Timers the lab sets for itself (a restart's wake-up) end with it.
  const lifetime = new AbortController();
  closers.push(async () => lifetime.abort());
  const pairs: LabPair[] = [];
  let control: ControlServer | null = null;
  try {
    const built = await Promise.all(
      Array.from({ length: pairCount }, (_, i) =>
        startPair({ index: i, scenario: scenarioOf(i), spec: specs.get(scenarioOf(i))!, basePort, host, password, speed, options, cert, tlsMode, armToken, closers, signal: lifetime.signal }),
      ),
    );
    pairs.push(...built);
    if (logFile !== undefined) for (const p of pairs) appendStatementsTo(p.world, p.index + 1, logFile);
    if (options.control) {
      control = await startControlServer({
        controls: pairs.map((p) => p.control),
        statements: () => statementLog(pairs),
        ...(options.controlPort === undefined ? {} : { port: options.controlPort }),
        ...(options.controlToken === undefined ? {} : { token: options.controlToken }),
      });
      closers.push(control.close);
    }
  } catch (err) {
    await Promise.allSettled(closers.map((c) => c()));
    throw err;
  }

  const first = pairs[0]!;
  let closed: Promise<void> | null = null;
  const lab: Lab = {
    pairs,
    sqlserver: first.sqlserver,
    mi: first.mi,
    arm: first.arm,
    control: first.control,
    world: first.world,
    names: LAB_FIXED_NAMES,
    host,
    login: 'sa',
    password,
    tls: tlsMode,
    armToken,
    ca: cert.ca,
    clock: first.world.clock,
    env: { password: LAB_PASSWORD_ENV, armToken: LAB_ARM_TOKEN_ENV },
    controlServer: control ? { url: control.url, token: control.token } : null,
    statementLog: () => statementLog(pairs),
    targetsYaml: (o) => renderTargets(pairs, { tls: tlsMode }, o),
    writeTargets(file) {
      const targets = resolve(file);
      const dir = dirname(targets);
      const ca = join(dir, LAB_CA_FILE);
      try {
        mkdirSync(dir, { recursive: true });
        writeFileSync(ca, cert.ca);
        writeFileSync(targets, renderTargets(pairs, { tls: tlsMode }, { caDir: dir }));
      } catch (cause) {
        throw new AgmedicError('LAB_CONTROL', `cannot write the targets file ${targets}`, { cause });
      }
      return { targets, ca };
    },
    startupMs: 0,
    close() {
      closed ??= Promise.allSettled(closers.map((c) => c())).then(() => undefined);
      return closed;
    },
  };
  if (options.targetsOut !== undefined) {
    try {
      lab.writeTargets(options.targetsOut);
    } catch (err) {
      await lab.close();
      throw err;
    }
  }
  (lab as { startupMs: number }).startupMs = performance.now() - started;
  return lab;
}

interface PairInput {
  index: number;
  scenario: string;
  spec: WorldSpec;
  basePort: number;
  host: string;
  password: string;
  speed: number;
  options: StartLabOptions;
  cert: LabCertificate;
  tlsMode: 'off' | 'strict';
  armToken: string;
  closers: (() => Promise<void>)[];
  signal: AbortSignal;
}

async function startPair(p: PairInput): Promise<LabPair> {
  const clock = p.options.clock ?? new ScaledClock(Date.parse(p.spec.start), p.speed);
  const world: LabWorld = createWorld(p.spec, { clock });
  for (const inst of world.instances.values()) inst.logins.set('sa', p.password);
  if (p.options.databaseFormat !== undefined) setDatabaseFormat(world, LAB_NAMES.mi, p.options.databaseFormat);
  const port = (offset: number): number => (p.basePort === 0 ? 0 : p.basePort + p.index * 3 + offset);
  const tls = p.tlsMode === 'strict' ? { key: p.cert.key, cert: p.cert.cert } : undefined;
  const tds = async (name: string, offset: number): Promise<TdsServer> => {
    const server = await startTdsServer({ engine: createInstanceEngine(world, name), host: p.host, port: port(offset), ...(tls ? { tls } : {}) });
    p.closers.push(() => server.close());
    return server;
  };
  const [sqlServer, miServer, arm] = await Promise.all([
    tds(LAB_NAMES.sqlserver, 0),
    tds(LAB_NAMES.mi, 1),
    startArmEmulator({
      backend: createWorldArmBackend(world),
      instance: createWorldInstanceBackend(world),
      operationDelayMs: Math.round((p.options.armOpSeconds ?? 0) * 1000),
      ...(p.options.armRequestLogFile === undefined ? {} : { requestLogFile: p.options.armRequestLogFile }),
      ...(p.options.armAsyncOperationHeader === undefined ? {} : { asyncOperationHeader: p.options.armAsyncOperationHeader }),
      token: p.armToken,
      tls: { key: p.cert.key, cert: p.cert.cert },
      host: p.host,
      port: port(2),
      subscriptionId: SUBSCRIPTION_ID,
      resourceGroup: RESOURCE_GROUP,
      managedInstance: LAB_NAMES.mi,
      clock: world.clock,
    }).then((a: ArmEmulator) => {
      p.closers.push(() => a.close());
      return a;
    }),
  ]);
  const suffix = p.index === 0 ? '' : `-${p.index + 1}`;
  return {
    index: p.index,
    scenario: p.scenario,
    roles: { sqlserver: `sqlserver${suffix}`, mi: `mi${suffix}` },
    sqlserver: { host: p.host, port: sqlServer.port, serverName: LAB_NAMES.sqlserver, fqdn: LAB_NAMES.sqlserverFqdn },
    mi: { host: p.host, port: miServer.port, serverName: LAB_NAMES.mi, fqdn: LAB_NAMES.miFqdn },
    arm: {
      url: arm.url,
      port: arm.port,
      subscriptionId: arm.subscriptionId,
      resourceGroup: arm.resourceGroup,
      instance: arm.managedInstance,
      get requests() {
        return arm.requests;
      },
    },
    world,
    control: createPairControl({ index: p.index, scenario: p.scenario, world, servers: { sqlserver: sqlServer, mi: miServer }, signal: p.signal }),
  };
}

function statementLog(pairs: readonly LabPair[]): LabStatement[] {
  const all = pairs.flatMap((p) => p.world.statementLog.map((e) => toLabStatement(p.index + 1, e)));
  return pairs.length === 1 ? all : all.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}
