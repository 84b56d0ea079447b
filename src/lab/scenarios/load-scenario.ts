import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// js-yaml, not yaml: the same YAML 1.2 core schema, a fifth of the load at `lab up` (issue 13).
import { CORE_SCHEMA, load } from 'js-yaml';
import { AgmedicError } from '../../errors.js';
import { ScaledClock } from '../model/clock.js';
import { createWorld, type WorldSpec } from '../model/create-world.js';
import type { LabWorld } from '../model/lab-world.js';
import type { Clock } from '../model/types.js';

export const SCENARIOS = ['healthy', 'split-brain', 'cert-expired', 'log-truncation', 'flow-control', 'slow-seeding'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface Scenario {
  name: string;
  description: string;
  observe: string[];
  world: WorldSpec;
}

/** Walks up from this module to agmedic's package root: works from src/ under vitest and from dist/cli.js. */
export function scenariosDir(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'agmedic') return join(dir, 'src', 'lab', 'scenarios');
      } catch {
        // an unreadable package.json on the way up is not ours; keep walking
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new AgmedicError('LAB_SCENARIO', 'cannot find the agmedic package root to load lab scenarios from');
    dir = up;
  }
}

const ROLES = ['PRIMARY', 'SECONDARY'];

/** Collects every problem in a scenario document, so one run reports them all. */
export function validateScenario(doc: unknown, file: string): Scenario {
  const problems: string[] = [];
  const obj = (v: unknown, path: string): Record<string, unknown> => {
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    problems.push(`${path}: expected a mapping`);
    return {};
  };
  const num = (o: Record<string, unknown>, k: string, path: string, optional = false): void => {
    if (o[k] === undefined && optional) return;
    if (typeof o[k] !== 'number' || !Number.isFinite(o[k]) || (o[k] as number) < 0) problems.push(`${path}.${k}: expected a non-negative number`);
  };
  const root = obj(doc, file);
  for (const k of ['name', 'description']) if (typeof root[k] !== 'string' || !root[k]) problems.push(`${k}: expected a non-empty string`);
  if (!Array.isArray(root.observe) || root.observe.length === 0 || !root.observe.every((x) => typeof x === 'string')) problems.push('observe: expected a non-empty list of strings');
  const world = obj(root.world, 'world');
  if (typeof world.start !== 'string' || !Number.isFinite(Date.parse(world.start))) problems.push('world.start: expected an ISO date-time');
  const link = obj(world.link, 'world.link');
  num(link, 'bandwidthBytesPerSec', 'world.link');
  num(link, 'redoBytesPerSec', 'world.link');
  num(link, 'sqlLogPos', 'world.link');
  num(link, 'miLogPos', 'world.link', true);
  num(link, 'forkPos', 'world.link', true);
  if (link.replicationMode !== 'Async' && link.replicationMode !== 'Sync') problems.push('world.link.replicationMode: expected Async or Sync');
  const roles = obj(link.roles, 'world.link.roles');
  for (const side of ['sqlserver', 'mi']) if (!ROLES.includes(roles[side] as string)) problems.push(`world.link.roles.${side}: expected PRIMARY or SECONDARY`);
  if (link.seeding !== undefined) {
    const s = obj(link.seeding, 'world.link.seeding');
    for (const k of ['databaseSizeBytes', 'transferredBytes', 'rateBytesPerSec', 'startedSecondsAgo']) num(s, k, 'world.link.seeding');
    if (s.state !== undefined && s.state !== 'SEEDING' && s.state !== 'FAILED') problems.push('world.link.seeding.state: expected SEEDING or FAILED');
  }
  if (world.backups !== undefined && !Array.isArray(world.backups)) problems.push('world.backups: expected a list');
  for (const [i, b] of ((world.backups as unknown[]) ?? []).entries()) {
    const o = obj(b, `world.backups[${i}]`);
    if (!['D', 'I', 'L'].includes(o.type as string)) problems.push(`world.backups[${i}].type: expected D, I or L`);
    if (o.instance !== 'sqlserver' && o.instance !== 'mi') problems.push(`world.backups[${i}].instance: expected sqlserver or mi`);
    num(o, 'secondsAgo', `world.backups[${i}]`);
  }
  if (problems.length) throw new AgmedicError('LAB_SCENARIO', `${file}: ${problems.join('; ')}`, { details: { problems } });
  return { name: root.name as string, description: root.description as string, observe: root.observe as string[], world: { ...(world as unknown as WorldSpec), name: root.name as string } };
}

/**
 * Reads and validates a scenario file from src/lab/scenarios.
 *
 * @example
 * const scenario = loadScenario('split-brain');
 */
export function loadScenario(name: string, dir: string = scenariosDir()): Scenario {
  if (!/^[a-z0-9-]+$/.test(name)) throw new AgmedicError('LAB_SCENARIO', `bad scenario name "${name}"`);
  const file = join(dir, `${name}.yaml`);
  if (!existsSync(file)) throw new AgmedicError('LAB_SCENARIO', `unknown scenario "${name}"; known: ${SCENARIOS.join(', ')}`);
  return validateScenario(load(readFileSync(file, 'utf8'), { schema: CORE_SCHEMA }), `${name}.yaml`);
}

/**
 * The lab world for a scenario. Give `clock` (tests: a ManualClock) or `speed` (simulated seconds per
 * real second, from the scenario's start time); the default runs at speed 1.
 *
 * @example
 * const world = createLabWorld('flow-control', { speed: 60 });
 */
export function createLabWorld(name: string, options: { clock?: Clock; speed?: number } = {}): LabWorld {
  const scenario = loadScenario(name);
  const clock = options.clock ?? new ScaledClock(Date.parse(scenario.world.start), options.speed ?? 1);
  return createWorld(scenario.world, { clock });
}
