/**
 * Every example of the Azure REST spec for the link resource (test/lab/arm/spec/, 21 files across the
 * api-versions; provenance in SOURCES.md) replayed over HTTPS against the world-backed ARM emulator
 * through the real client pipeline. Each example gets a fresh lab world (a delete must not starve the
 * next example). The example's names are mapped onto the lab's managed instance and link; a "create"
 * example is a PUT on the lab's existing link (ARM's PUT is create-or-update).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorldArmBackend } from '../../../src/lab/arm/create-world-arm-backend.js';
import { createWorldInstanceBackend } from '../../../src/lab/arm/create-world-instance-backend.js';
import { startArmEmulator } from '../../../src/lab/arm/index.js';
import { ScaledClock } from '../../../src/lab/model/clock.js';
import { createWorld, LAB_NAMES } from '../../../src/lab/model/create-world.js';
import { loadScenario } from '../../../src/lab/scenarios/load-scenario.js';
import { armClient, LAB_TOKEN, makeCertificate, type LabPems } from './harness.js';
import { loadExample, replayExample, SPEC_DIR, type Check } from './spec/replay-example.js';

const FILES = readdirSync(SPEC_DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(join(SPEC_DIR, d.name)).filter((f) => f.endsWith('.json')).map((f) => `${d.name}/${f}`))
  .sort();

let pems: LabPems;
const results = new Map<string, Check[]>();
beforeAll(async () => {
  pems = await makeCertificate();
}, 30_000);
afterAll(() => {
  const all = [...results.values()].flat();
  console.info(`ARM spec replay: ${all.filter((c) => c.ok).length}/${all.length} checks hold over ${results.size} examples`);
});

describe('the ARM emulator replays the Azure REST spec\'s examples', () => {
  it('has every example the reference holds', () => {
    expect(FILES).toHaveLength(21);
  });

  it.each(FILES)('%s', async (file) => {
    const ex = loadExample(file);
    const spec = loadScenario('healthy').world;
    const world = createWorld(spec, { clock: new ScaledClock(Date.parse(spec.start), 1) });
    const arm = await startArmEmulator({
      backend: createWorldArmBackend(world),
      instance: createWorldInstanceBackend(world),
      token: LAB_TOKEN,
      tls: { key: pems.key, cert: pems.cert },
      subscriptionId: ex.parameters.subscriptionId,
      resourceGroup: ex.parameters.resourceGroupName,
      managedInstance: LAB_NAMES.mi,
      clock: world.clock,
    });
    try {
      const checks = await replayExample(ex, { client: armClient(arm, pems.ca), url: arm.url, managedInstance: LAB_NAMES.mi, link: world.link!.dagName });
      results.set(file, checks);
      expect(checks.length).toBeGreaterThanOrEqual(2);
      expect(checks.filter((c) => !c.ok)).toEqual([]);
    } finally {
      await arm.close();
    }
  });
});
