/**
 * `agmedic estimate-seeding --size 100GB --speed 84GB/h [--databases N] [--json]`: how long initial
 * seeding takes [TS], and whether the 6-day link creation limit is at risk. Pure arithmetic: no
 * connection, no heavy modules.
 */
import { AgmedicError } from '../../errors.js';
import { estimateSeeding, formatBytes, formatHours, formatSpeed, parseSize, parseSpeed } from '../../diagnose/estimate-seeding.js';
import { EXIT } from '../exit-codes.js';
import type { Output } from '../output.js';

export interface EstimateSeedingOptions {
  size: string;
  speed: string;
  databases?: string;
  json?: boolean;
}

export async function estimateSeedingCommand(opts: EstimateSeedingOptions, output: Output): Promise<number> {
  const databases = opts.databases === undefined ? 1 : Number(opts.databases);
  if (!Number.isInteger(databases) || databases < 1 || databases > 10_000) throw new AgmedicError('USAGE', `--databases must be a whole number ≥ 1, got "${opts.databases}"`);
  const sizeBytes = parseSize(opts.size);
  const bytesPerSecond = parseSpeed(opts.speed);
  const e = estimateSeeding({ sizeBytes, bytesPerSecond, databases });
  if (opts.json) {
    output.out(
      JSON.stringify(
        {
          sizeBytesPerDatabase: sizeBytes,
          databases: e.databases,
          totalBytes: e.totalBytes,
          bytesPerSecond: e.bytesPerSecond,
          hours: Math.round(e.hours * 1000) / 1000,
          limitHours: e.limitHours,
          verdict: e.verdict,
          summary: e.summary,
        },
        null,
        2,
      ),
    );
    return EXIT.ok;
  }
  const paint = (code: number, s: string): string => (output.color ? `\u001b[${code}m${s}\u001b[39m` : s);
  output.out(`${formatBytes(e.totalBytes)} at ${formatSpeed(bytesPerSecond)}: about ${formatHours(e.hours)}${e.databases > 1 ? ` for all ${e.databases} databases` : ''}.`);
  if (e.databases > 1) output.out('The databases seed in parallel and share the link\'s bandwidth, so each finishes near the end.');
  if (e.verdict === 'exceeds') output.out(paint(31, `Beyond the ${e.limitHours} h (6-day) limit: creating the link would be cancelled. Add bandwidth, seed fewer databases at once, or seed from a backup.`));
  else if (e.verdict === 'at-risk') output.out(paint(33, `The 6-day limit is at risk: seeding starts over after any network drop or restart, and one restart would not fit in ${e.limitHours} h.`));
  else output.out(`Well within the ${e.limitHours} h (6-day) limit. The link compresses, so the real time is often shorter; seeding starts over after a network drop or restart.`);
  return EXIT.ok;
}
