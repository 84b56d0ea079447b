import { renderGraph } from '../../compile/render-plan.js';
import { EXIT } from '../exit-codes.js';
import { loadUsableRunbookFast } from '../known-good.js';
import type { Output } from '../output.js';

export async function graphCommand(ref: string, opts: { format: 'mermaid' | 'dot' }, output: Output): Promise<number> {
  const usable = await loadUsableRunbookFast(ref);
  output.out(renderGraph(usable.compiled, opts.format));
  return EXIT.ok;
}
