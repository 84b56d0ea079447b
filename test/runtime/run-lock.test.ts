import { describe, expect, it } from 'vitest';
import { lockResource } from '../../src/runtime/lock/run-lock.js';
import type { Runbook } from '../../src/runbook/schema.js';

describe('lockResource', () => {
  it('is one lock whatever the case of the link name (AG names are case-insensitive)', () => {
    const rb = { metadata: { name: 'split-brain-recovery' } } as unknown as Runbook;
    expect(lockResource(rb, { link: 'SalesLink' })).toBe(lockResource(rb, { link: 'saleslink' }));
    expect(lockResource(rb, { link: 'SalesLink' })).toBe('agmedic:saleslink');
  });
});
