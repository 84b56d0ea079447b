import { listRunbooks } from '../../runbook/list-runbooks.js';
import { shippedRunbooksDir } from '../../runbook/read-runbook.js';
import { EXIT } from '../exit-codes.js';
import type { Output } from '../output.js';

export async function listCommand(opts: { dir?: string; json?: boolean }, output: Output): Promise<number> {
  const shipped = listRunbooks(shippedRunbooksDir()).map((r) => ({ ...r, source: 'shipped' as const }));
  const local = opts.dir ? listRunbooks(opts.dir).map((r) => ({ ...r, source: 'local' as const })) : [];
  const all = [...shipped, ...local];
  if (opts.json) {
    output.out(JSON.stringify(all, null, 2));
    return EXIT.ok;
  }
  const width = Math.max(4, ...all.map((r) => r.name.length));
  output.out(`${'NAME'.padEnd(width)}  TITLE`);
  for (const r of all) output.out(`${r.name.padEnd(width)}  ${r.title}${r.source === 'local' ? `  (${r.file})` : ''}`);
  return EXIT.ok;
}
