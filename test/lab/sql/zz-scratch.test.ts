import { it } from 'vitest';
import { lab, run } from './helpers.js';
import { batchesOf, loadCorpus } from './corpus-check.js';
it('x', async () => {
  const only = process.env.F;
  for (const e of loadCorpus()) {
    if (only && !e.file.includes(only)) continue;
    const l = lab('healthy');
    const errs: string[] = [];
    const s = (await import('./helpers.js')).session();
    for (const b of batchesOf(e.file)) {
      const out = await run(e.target === 'mi' ? l.mi : l.sql, b, { session: s });
      for (const o of out) if (o.kind === 'error') errs.push(`${o.number} L${o.line}: ${o.message.slice(0, 150)}`);
      if (only) console.log(JSON.stringify(out.map((o) => o.kind === 'resultSet' ? { cols: o.columns.map((c) => c.name), rows: o.rows.slice(0, 3) } : o), (k, v) => typeof v === 'bigint' ? String(v) : v).slice(0, 1500));
    }
    if (errs.length) console.log(e.file, errs.join(' | '));
  }
});
