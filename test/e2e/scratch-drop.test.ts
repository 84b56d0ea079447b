import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'vitest';
import { changes, resumeRun, runUnattended, startE2eLab, roles } from './helpers.js';

const audit = (home: string) => { try { return readFileSync(join(home, 'audit.jsonl'), 'utf8'); } catch { return ''; } };
const journal = (e: { home: string }, id: string) => { try { return readFileSync(join(e.home, 'runs', id, 'journal.jsonl'), 'utf8'); } catch { return ''; } };
async function until(p: () => boolean) { while (!p()) await new Promise((r) => setTimeout(r, 10)); }

test.each(['before', 'during'])('drop %s', async (when) => {
  const e = await startE2eLab('split-brain');
  e.lab.world.setWorkload('SQL01', 0);
  const params = { link: 'SalesLink', keep: 'managedInstance', backup_path: 'D:\\Backup\\Sales_splitbrain.trn' };
  const step = 'demote_sqlserver';
  const running = runUnattended(e, 'split-brain-recovery', params);
  await until(() => audit(e.home).includes(`"phase":"start","runId"`) && audit(e.home).includes(`"step":"backup_sqlserver"`));
  e.lab.control.delayStatements('sqlserver', when === 'before' ? 300 : 2000);
  if (when === 'before') {
    await until(() => audit(e.home).includes(`"step":"${step}"`));
  } else {
    await until(() => /"type":"intent"/.test(audit(e.home).split('\n').filter((l) => l.includes(step)).join('\n')) || audit(e.home).split('\n').some((l) => l.includes(step) && l.includes('"phase":"action"')));
    await new Promise((r) => setTimeout(r, 300));
  }
  e.lab.control.dropConnections('sqlserver');
  const r1 = await running;
  e.lab.control.delayStatements('sqlserver', 0);
  console.log(when, 'FIRST', r1.outcome, r1.code, r1.step, r1.message.slice(0, 200), JSON.stringify(changes(e.lab).map((c) => [c.text.slice(0, 40), c.outcome])));
  console.log(audit(e.home).split('\n').filter((l) => l.includes(step)).map((l) => l.slice(160, 450)).join('\n'));
  console.log(journal(e, r1.runId).slice(-1500));
  try {
  const r2 = await resumeRun(e, r1.runId);
  console.log(when, 'RESUME', r2.outcome, r2.code, r2.step, r2.message.slice(0, 300), JSON.stringify(r2.inDoubt), JSON.stringify(changes(e.lab).map((c) => [c.text.slice(0, 40), c.outcome])), JSON.stringify(await roles(e.lab)));
  } catch (err) { console.log(when, 'RESUME THREW', String(err)); }
  await e.close();
}, 60_000);
