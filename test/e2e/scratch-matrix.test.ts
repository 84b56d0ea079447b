import { test } from 'vitest';
import { changes, armChanges, runUnattended, startE2eLab, roles } from './helpers.js';

const PARAMS: Record<string, Record<string, string>> = {
  'split-brain-recovery': { link: 'SalesLink', keep: 'managedInstance', backup_path: 'D:\\Backup\\Sales_splitbrain.trn' },
  'certificate-rotation': { link: 'SalesLink', old_cert: 'SQL01_Link_Cert', new_cert: 'SQL01_Link_Cert_2026', subject: 'SQL01 link 2026', expiry: '20270601' },
  'premature-log-truncation': { link: 'SalesLink' },
  'flow-control-tuning': { link: 'SalesLink', interval: '60s' },
  'link-failover': { link: 'SalesLink', to: 'managedInstance', sql_ag: 'AG_Sales', mi_ag: 'AG_Sales_MI' },
  'seeding-monitor': { link: 'SalesLink' },
};
const SCEN = ['healthy', 'split-brain', 'cert-expired', 'log-truncation', 'flow-control', 'slow-seeding'];
test('matrix', async () => {
  const rb = process.env.RB!;
  await Promise.all(SCEN.map(async (s) => {
    const e = await startE2eLab(s);
    if (process.env.QUIET) { e.lab.world.setWorkload('SQL01', 0); }
    const t0 = Date.now();
    const r = await runUnattended(e, rb, PARAMS[rb]!);
    console.log(`${rb} × ${s}: ${r.outcome} (${r.code ?? ''}) ${Date.now() - t0}ms step=${r.step} :: ${r.message.slice(0, 300)}\n  route=${r.route.map((x) => x.step + (x.via ? '/' + x.via : '')).join(' ')}\n  changes=${JSON.stringify(changes(e.lab).map((c) => c.instance + ': ' + c.text.slice(0, 60)))} arm=${JSON.stringify(armChanges(e.lab))} roles=${JSON.stringify(await roles(e.lab))}`);
    await e.close();
  }));
}, 120_000);
