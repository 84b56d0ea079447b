import { renderGraph } from '../../compile/index.js';
import { EXIT } from '../exit-codes.js';
import { loadUsableRunbook } from '../load-and-compile.js';
import type { Output } from '../output.js';

export async function graphCommand(ref: string, opts: { format: 'mermaid' | 'dot' }, output: Output): Promise<number> {
  const usable = loadUsableRunbook(ref);
  output.out(renderGraph(usable.compiled, opts.format));
  return EXIT.ok;
}
