import { test } from 'vitest';
import { startE2eLab, query } from './helpers.js';
test('q', async () => {
  const e = await startE2eLab('split-brain', 100);
  const q = `SELECT CONVERT(varchar(30), drs.last_commit_time, 126) AS last_commit, CAST(drs.last_commit_time AS varchar(30)) AS c2, DATEDIFF(SECOND, '20000101', SYSUTCDATETIME()) AS sampled_at_s
        FROM sys.dm_hadr_database_replica_states AS drs
        JOIN sys.availability_groups AS ag ON drs.group_id = ag.group_id
        JOIN sys.databases AS d ON d.database_id = drs.database_id
        WHERE drs.is_local = 1 AND ag.is_distributed = 1 AND ag.name = 'SalesLink' AND d.name = 'Sales'`;
  for (let i = 0; i < 3; i++) { console.log(JSON.stringify(await query(e.lab, 'sqlserver', q))); await new Promise((r) => setTimeout(r, 100)); }
  e.lab.world.setWorkload('SQL01', 0);
  for (let i = 0; i < 3; i++) { console.log(JSON.stringify(await query(e.lab, 'sqlserver', q))); await new Promise((r) => setTimeout(r, 100)); }
  await e.close();
});
