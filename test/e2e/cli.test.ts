/**
 * The real CLI as a child process, no terminal: `agmedic run … --unattended` on a split-brain lab
 * (then `agmedic audit verify`), and `agmedic demo` with CI=true as `npm start` runs it.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { buildCli, spawnCli } from '../integration/helpers/cli-process.js';
import { approve, changes, query, roles, startE2eLab } from './helpers.js';

let cli: string;
beforeAll(async () => {
  cli = await buildCli();
}, 60_000);

describe('agmedic as a process', () => {
  test('run split-brain-recovery --unattended fixes the split brain; audit verify passes', async () => {
    const e = await startE2eLab('split-brain', 1000);
    try {
      e.lab.world.setWorkload('SQL01', 0); // the application owner stops writing to the side to demote
      const params = { link: 'SalesLink', keep: 'managedInstance', backup_path: 'D:\\Backup\\Sales_splitbrain.trn' };
      const { approval, trustedKeys } = approve(e, 'split-brain-recovery', params);
      const args = ['run', 'split-brain-recovery', ...Object.entries(params).flatMap(([k, v]) => ['-p', `${k}=${v}`]), '-t', e.targets, '--unattended', '--approval', approval, '--trusted-keys', trustedKeys, '--json'];
      const child = spawnCli(cli, args, { ...e.env, CI: 'true' });
      const { code } = await child.exit;
      expect(code, child.stderr()).toBe(0);
      expect(JSON.parse(child.stdout())).toMatchObject({ outcome: 'fixed' });
      expect(changes(e.lab).map((s) => `${s.instance}: ${s.text.split('\n')[0]}`)).toEqual([
        'SQL01: BACKUP LOG [Sales] TO DISK = @backup_path WITH COPY_ONLY, CHECKSUM',
        'SQL01: ALTER AVAILABILITY GROUP [SalesLink] SET (ROLE = SECONDARY)',
      ]);
      expect(await roles(e.lab)).toEqual({ sqlserver: 'SECONDARY', mi: 'PRIMARY' });
      const health = await query(e.lab, 'mi', `SELECT rs.synchronization_health_desc AS health FROM sys.availability_groups ag JOIN sys.dm_hadr_availability_replica_states rs ON ag.group_id = rs.group_id WHERE rs.is_local = 0 AND rs.role = 2 AND ag.is_distributed = 1`);
      expect(health).toEqual([{ health: 'HEALTHY' }]);

      const verify = spawnCli(cli, ['audit', 'verify'], e.env);
      expect((await verify.exit).code, verify.stderr()).toBe(0);
      expect(verify.stdout()).toMatch(/intact, \d+ records/);
    } finally {
      await e.close();
    }
  }, 60_000);

  test('demo without a terminal (CI=true): unattended under a demo approval, verified, audit intact, exit 0', async () => {
    const child = spawnCli(cli, ['demo'], { ...process.env, CI: 'true' });
    const { code } = await child.exit;
    const out = child.stdout();
    expect(code, `${out}\n${child.stderr()}`).toBe(0);
    expect(out).toMatch(/SQL01\s+PRIMARY[\s\S]*mi-lab\s+PRIMARY/); // split brain before
    expect(out).toContain('Live plan  split-brain-recovery');
    expect(out).toMatch(/demo approval signed for this runbook/);
    expect(out).toMatch(/^fixed: /m);
    expect(out).toMatch(/SQL01\s+SECONDARY\n\s+mi-lab\s+PRIMARY \(link HEALTHY\)\n\s+verified: one PRIMARY, one SECONDARY, link HEALTHY/);
    expect(out).toMatch(/audit log: \S+audit\.jsonl/);
    expect(out).toMatch(/audit\.jsonl: intact, \d+ records/);
  }, 60_000);
});
