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

describe('lockResource normalises as SQL Server compares names', () => {
  const rb = { metadata: { name: 'x' } } as unknown as Parameters<typeof lockResource>[0];
  it('ignores trailing spaces and case, keeps leading spaces and other trailing characters', () => {
    expect(lockResource(rb, { link: 'SalesLink   ' })).toBe(lockResource(rb, { link: 'saleslink' }));
    expect(lockResource(rb, { link: ' SalesLink' })).not.toBe(lockResource(rb, { link: 'SalesLink' }));
    expect(lockResource(rb, { link: 'SalesLink\t' })).not.toBe(lockResource(rb, { link: 'SalesLink' }));
    expect(lockResource(rb, { constructor: 'x' } as never)).toBe('agmedic:x');
  });
});
