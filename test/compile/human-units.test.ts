import { describe, expect, test } from 'vitest';
import { formatBytes, formatDuration, humanize } from '../../src/compile/human-units.js';

describe('human units', () => {
  test('durations: ms, s, min, h, d', () => {
    expect(formatDuration(84)).toBe('84 ms');
    expect(formatDuration(3200)).toBe('3.2 s');
    expect(formatDuration(93_000)).toBe('1 min 33 s');
    expect(formatDuration(4_320_000)).toBe('1 h 12 min');
    expect(formatDuration(3_600_000)).toBe('1 h');
    expect(formatDuration(216_000_000)).toBe('2 d 12 h');
  });

  test('sizes in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(1843200 * 1024)).toBe('1.8 GB');
  });

  test('a column name carries its unit; rates and other values are left alone', () => {
    expect(humanize('log_send_queue_kb', 1843200)).toBe('1.8 GB');
    expect(humanize('eta_s', 4320)).toBe('1 h 12 min');
    expect(humanize('database_wait_ms', '250')).toBe('250 ms');
    expect(humanize('transferred_bytes', 10n * 1024n ** 3n)).toBe('10.0 GB');
    expect(humanize('rate_bytes_per_s', 1000)).toBeUndefined();
    expect(humanize('wait_ms_per_s', 120)).toBeUndefined();
    expect(humanize('role', 'PRIMARY')).toBeUndefined();
  });
});
