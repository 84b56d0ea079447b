import { it } from 'vitest';
import { lab, run, ROLE_QUERY } from '/work/wt/i11-tsql/test/lab/sql/helpers.js';
import { parseBatch } from '/work/wt/i11-tsql/src/lab/sql/parse-batch.js';
import { tokenize } from '/work/wt/i11-tsql/src/lab/sql/tokenize.js';
it('x', async () => {
  const l = lab('healthy');
  const q = process.env.Q ?? ROLE_QUERY;
  console.log(JSON.stringify(parseBatch(q, tokenize(q)).map((n) => n.kind === 'stmt' ? n.s.text : n)));
  console.log(JSON.stringify(await run(process.env.MI ? l.mi : l.sql, q)));
});
