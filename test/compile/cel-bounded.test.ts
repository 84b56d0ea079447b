import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { CelBudgetExceeded, evaluateCel, evaluatePreparedCel, prepareCelContext } from '../../src/compile/cel.js';

describe('bounded CEL evaluation', () => {
  it('matches() is RE2 (linear): the catastrophic pattern ends at once', () => {
    const started = performance.now();
    for (const n of [28, 40, 10_000]) {
      expect(evaluateCel(`s.matches('^(a+)+$')`, { s: `${'a'.repeat(n)}b` })).toBe(false);
    }
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('keeps CEL semantics: a partial match unless anchored, RE2 syntax', () => {
    expect(evaluateCel(`'xabcx'.matches('abc')`, {})).toBe(true);
    expect(evaluateCel(`'xabc'.matches('^abc')`, {})).toBe(false);
    expect(evaluateCel(`'SalesLink'.matches('(?i)^saleslink$')`, {})).toBe(true);
    expect(evaluateCel(`rows.exists(r, r.name.matches('^Sal'))`, { rows: [{ name: 'x' }, { name: 'Sales' }] })).toBe(true);
    expect(evaluateCel(`rows.all(r, r.name.matches('^Sal'))`, { rows: [{ name: 'x' }, { name: 'Sales' }] })).toBe(false);
    // Look-ahead is not RE2: an evaluation error, not a silent JS RegExp.
    expect(() => evaluateCel(`'a'.matches('(?=a)')`, {})).toThrow(/invalid regular expression/);
  });

  it('an evaluation past its budget throws CelBudgetExceeded', () => {
    const l = Array.from({ length: 400 }, (_, i) => i);
    const ctx = prepareCelContext({ l });
    const started = performance.now();
    expect(() => evaluatePreparedCel('l.all(a, l.all(b, l.all(c, a + b + c >= 0)))', ctx, 100)).toThrow(CelBudgetExceeded);
    expect(performance.now() - started).toBeLessThan(1_000);
    // The same program evaluates again (the instrumentation survives its first use).
    expect(evaluatePreparedCel('l.all(a, a >= 0)', ctx, 100)).toBe(true);
    expect(() => evaluatePreparedCel('l.all(a, l.all(b, l.all(c, a + b + c >= 0)))', ctx, 50)).toThrow(CelBudgetExceeded);
  });

  it('SIGTERM ends a process that is evaluating a runaway expression within the budget', async () => {
    const script = `
      import { evaluatePreparedCel, prepareCelContext } from '${join(process.cwd(), 'src/compile/cel.ts')}';
      process.on('SIGTERM', () => { process.stdout.write('term\\n'); process.exit(6); });
      const ctx = prepareCelContext({ l: Array.from({ length: 2000 }, (_, i) => i), s: 'a'.repeat(40) + 'b' });
      process.stdout.write('ready\\n');
      for (;;) { try { evaluatePreparedCel("s.matches('^(a+)+$') || l.all(a, l.all(b, l.all(c, a + b + c >= 0)))", ctx); } catch {} await new Promise((r) => setImmediate(r)); }
    `;
    const dir = join(process.cwd(), 'node_modules', '.cache');
    mkdirSync(dir, { recursive: true });
    const work = mkdtempSync(join(dir, 'cel-sigterm-'));
    writeFileSync(join(work, 'main.ts'), script);
    await build({ entryPoints: [join(work, 'main.ts')], outfile: join(work, 'main.mjs'), bundle: true, format: 'esm', platform: 'node', packages: 'external', logLevel: 'warning' });
    const child = spawn(process.execPath, [join(work, 'main.mjs')], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    await new Promise<void>((resolve) => child.stdout.on('data', () => out.includes('ready') && resolve()));
    await new Promise((r) => setTimeout(r, 300));
    const sent = performance.now();
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(6);
    expect(performance.now() - sent).toBeLessThan(2_500);
  }, 20_000);
});
