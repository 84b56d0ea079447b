/**
 * Re-creating the link in the lab (what `agmedic lab fault recreate-link` does), and [TS]'s prevention of
 * premature log truncation: "On builds that support it, use trace flag 12381" (DBCC TRACEON before
 * creating the link, TRACEOFF after seeding); copy-only log backups do not truncate the log.
 */
import { describe, expect, it } from 'vitest';
import { AgmedicError } from '../../../src/errors.js';
import { armDelete } from '../../../src/lab/model/link-api.js';
import { recreateLink } from '../../../src/lab/model/recreate-link.js';
import { errorsOf, lab, run } from '../sql/helpers.js';

async function dropped(): Promise<ReturnType<typeof lab>> {
  const l = lab('log-truncation');
  armDelete(l.world, 'mi-lab', 'SalesLink');
  expect(errorsOf(await run(l.sql, 'DROP AVAILABILITY GROUP [SalesLink]'))).toEqual([]);
  expect(l.world.link).toBeNull();
  return l;
}

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return err instanceof AgmedicError ? err.code : 'not-coded';
  }
  return undefined;
};

describe('recreate-link', () => {
  it('is refused while the link exists on either side, and while the old database is still on the MI', async () => {
    const l = lab('log-truncation');
    expect(code(() => recreateLink(l.world))).toBe('LAB_CONTROL');
    armDelete(l.world, 'mi-lab', 'SalesLink');
    expect(code(() => recreateLink(l.world))).toBe('LAB_CONTROL'); // still on SQL01
    const d = await dropped();
    expect(code(() => recreateLink(d.world))).toBe('LAB_CONTROL'); // Sales left on mi-lab
    expect(code(() => recreateLink(d.world, { dropMiDatabase: true }))).toBeUndefined();
    expect(d.world.link?.seeding?.currentState).toBe('SEEDING');
    expect(d.world.link?.sides.map((s) => s.role)).toEqual(['PRIMARY', 'SECONDARY']);
  });

  it('a log backup during the new seeding fails it again with 1412; with TF 12381 (or COPY_ONLY) it does not', async () => {
    for (const [prep, backup, expected] of [
      [null, 'BACKUP LOG [Sales] TO DISK = N\'D:\\b\\l1.trn\'', 'FAILED'],
      ['DBCC TRACEON (12381, -1)', 'BACKUP LOG [Sales] TO DISK = N\'D:\\b\\l2.trn\'', 'COMPLETED'],
      [null, 'BACKUP LOG [Sales] TO DISK = N\'D:\\b\\l3.trn\' WITH COPY_ONLY', 'COMPLETED'],
    ] as const) {
      const l = await dropped();
      if (prep) expect(errorsOf(await run(l.sql, prep))).toEqual([]);
      recreateLink(l.world, { dropMiDatabase: true });
      l.world.advance(10_000);
      expect(errorsOf(await run(l.sql, backup))).toEqual([]);
      l.world.advance(4_500_000); // 100 GB at the link's 25 MB/s
      expect(l.world.link!.seeding!.currentState, `${prep} / ${backup}`).toBe(expected);
    }
  });
});
