/**
 * The rehearsal lab's public surface: {@link startLab} composes the simulated instances (TDS), the
 * ARM emulator and the control handle; the CLI (`agmedic lab up`, `agmedic lab fault`) and tests
 * use only what is exported here.
 *
 * @example
 * import { startLab } from '../lab/index.js';
 * const lab = await startLab({ scenario: 'healthy' });
 * process.env.AGMEDIC_LAB_PASSWORD = lab.password;
 * writeFileSync('targets.yaml', lab.targetsYaml());
 * await lab.close();
 */
export { startLab, LAB_DEFAULT_BASE_PORT, LAB_DEFAULT_PASSWORD, LAB_FIXED_NAMES, LAB_MAX_PAIRS } from './start-lab.js';
export type * from './control/types.js';
export { LAB_FAULT_KINDS } from './control/types.js';
export { LAB_ARM_TOKEN_ENV, LAB_CA_FILE, LAB_PASSWORD_ENV } from './control/render-targets.js';
export { ManualClock, ScaledClock } from './model/clock.js';
export type { Clock, ReplicaRole } from './model/types.js';
export type { LinkView, LinkDatabaseView } from './model/link-api.js';
export type { LabWorld } from './model/lab-world.js';
export { SCENARIOS, type ScenarioName } from './scenarios/load-scenario.js';
export { defaultLabStateFile, labControlClient, readLabStateFile, type LabStateFile } from './control/control-client.js';
