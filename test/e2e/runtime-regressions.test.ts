/**
 * Runtime bugs the end-to-end runs found, pinned at the unit level so they cannot come back quietly.
 */
import { describe, expect, it } from 'vitest';
import { staticFactNames } from '../../src/compile/cel.js';
import { holds } from '../../src/runtime/execute/cel-scope.js';

describe('guards see the facts they read', () => {
  // link-failover's sync_sqlserver: skipped (CEL error → false) when the facts were narrowed away.
  const expr = "!facts.replicas.sqlserver.all(r, r.mode == 'SYNCHRONOUS_COMMIT')";
  const facts = { replicas: { sqlserver: [{ replica: 'AG_Sales', mode: 'ASYNCHRONOUS_COMMIT' }] }, roles: { sqlserver: [] } };

  it('under a negation', () => {
    const errors: string[] = [];
    expect(holds(expr, { params: {}, facts }, (_e, err) => errors.push(String(err)))).toBe(true);
    expect(errors).toEqual([]);
  });

  it('never narrows an expression to fewer facts than it names', () => {
    const names = staticFactNames(expr);
    expect(names === undefined || names.includes('replicas')).toBe(true);
  });
});
