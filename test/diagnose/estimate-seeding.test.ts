import { describe, expect, it } from 'vitest';
import { estimateSeeding, parseSize, parseSpeed } from '../../src/diagnose/index.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { memoryOutput } from '../../src/cli/output.js';
import { runCli } from '../../src/cli/program.js';

describe('seeding estimate [TS]', () => {
  it.each([
    ['100GB', '84GB/h', 1, 1.19, 'ok'],
    ['100GB', '10GB/h', 1, 10, 'ok'],
    ['100GB', '84GB/h', 3, 3.57, 'ok'],
    ['1TB', '10GB/h', 1, 102.4, 'at-risk'],
    ['2TB', '10GB/h', 1, 204.8, 'exceeds'],
    ['500GB', '10GB/h', 4, 200, 'exceeds'],
  ])('%s at %s × %i database(s) ≈ %f h (%s)', (size, speed, databases, hours, verdict) => {
    const e = estimateSeeding({ sizeBytes: parseSize(size), bytesPerSecond: parseSpeed(speed), databases });
    expect(e.hours).toBeCloseTo(hours, 1);
    expect(e.verdict).toBe(verdict);
  });

  it('adds the time already spent for a live estimate', () => {
    const e = estimateSeeding({ sizeBytes: parseSize('1TB'), bytesPerSecond: parseSpeed('10GB/h'), elapsedHours: 50 });
    expect(e.projectedTotalHours).toBeCloseTo(152.4, 1);
    expect(e.verdict).toBe('exceeds');
  });

  it.each([
    ['3MB/s', 3 * 1024 ** 2],
    ['1Gbps', 125_000_000],
    ['200 Mbit/s', 25_000_000],
    ['60GB/min', (60 * 1024 ** 3) / 60],
  ])('reads the speed %s', (text, bytes) => expect(parseSpeed(text)).toBeCloseTo(bytes, 3));

  it.each(['100', '1.5TB', '500MiB'])('reads the size %s', (text) => expect(parseSize(text)).toBeGreaterThan(0));
  it.each(['fast', '0GB/h', '10GB/fortnight'])('refuses the speed %s as a usage error', (text) => expect(() => parseSpeed(text)).toThrow(expect.objectContaining({ code: 'USAGE' })));
  it.each(['big', '-1GB', '10XB'])('refuses the size %s as a usage error', (text) => expect(() => parseSize(text)).toThrow(expect.objectContaining({ code: 'USAGE' })));
});

describe('agmedic estimate-seeding', () => {
  it.each([
    [['--size', '100GB', '--speed', '84GB/h'], EXIT.ok, /about 1\.2 h\./],
    [['--size', '100GB', '--speed', '10GB/h'], EXIT.ok, /about 10 h\./],
    [['--size', '100GB', '--speed', '84GB/h', '--databases', '3'], EXIT.ok, /share the link's bandwidth/],
    [['--size', '2TB', '--speed', '10GB/h'], EXIT.ok, /Beyond the 144 h \(6-day\) limit/],
    [['--size', '1TB', '--speed', '10GB/h'], EXIT.ok, /6-day limit is at risk/],
    [['--size', 'huge', '--speed', '10GB/h'], EXIT.usage, null],
    [['--size', '1TB', '--speed', '10GB/h', '--databases', '0'], EXIT.usage, null],
    [['--speed', '10GB/h'], EXIT.usage, null],
  ])('%j → exit %i', async (args, exit, stdout) => {
    const out = memoryOutput();
    expect(await runCli(['estimate-seeding', ...args], out)).toBe(exit);
    if (stdout) expect(out.stdout).toMatch(stdout);
  });

  it('--json', async () => {
    const out = memoryOutput();
    await runCli(['estimate-seeding', '--size', '100GB', '--speed', '84GB/h', '--json'], out);
    expect(JSON.parse(out.stdout)).toMatchObject({ databases: 1, hours: 1.19, limitHours: 144, verdict: 'ok' });
  });
});
