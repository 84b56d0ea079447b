import type { Runbook } from '../runbook/schema.js';

/**
 * Whether a run of this runbook calls ARM — and so opens, and must be approved for, the managed
 * instance's link resource. Its own module so `approve` can ask without loading the drivers.
 */
export const usesAzure = (runbook: Runbook): boolean => runbook.steps.some((s) => s.check?.azure || s.action?.azure || s.verify?.azure || s.wait?.azure);
