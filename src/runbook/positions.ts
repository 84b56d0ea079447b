/**
 * Source positions for every node of a runbook, looked up by its path in the model. Diagnostics
 * from any stage (schema, document checks, the compiler) point back into the YAML through this.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, Scalar, type Document, type Node } from 'yaml';
import type { SourceRange } from '../errors.js';
import type { NodePath, PositionIndex } from './types.js';

interface Found {
  node: Node | null;
  /** The key node when the last segment named a map entry. */
  key: Node | null;
  depth: number;
}

function rangeOfNode(node: Node | null | undefined): SourceRange | undefined {
  const r = node?.range;
  return r ? { start: r[0], end: r[1] } : undefined;
}

/** A scalar with an empty source span (`title:` with nothing after it) is better shown at its key. */
function isEmptyScalar(node: Node | null): boolean {
  return isScalar(node) && !!node.range && node.range[0] === node.range[1];
}

export function createPositionIndex(doc: Document, text: string): PositionIndex {
  const whole: SourceRange = rangeOfNode(doc.contents) ?? { start: 0, end: Math.min(text.length, 1) };

  const walk = (path: NodePath): Found => {
    let node: Node | null = doc.contents;
    let key: Node | null = null;
    let depth = 0;
    for (const seg of path) {
      // Descend through an alias into the node it names, so aliased values stay locatable.
      const here: unknown = isAlias(node) ? node.resolve(doc) : node;
      let next: Node | null | undefined;
      let nextKey: Node | null = null;
      if (isMap(here)) {
        const pair = here.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        if (pair) {
          next = (pair.value as Node | null) ?? null;
          nextKey = pair.key as Node;
          // `key:` with no value has no node; its key stands in for it.
          if (next === null) next = nextKey;
        }
      } else if (isSeq(here) && typeof seg === 'number') {
        next = (here.items[seg] as Node | undefined) ?? undefined;
      }
      if (next === undefined || next === null) break;
      node = next;
      key = nextKey;
      depth++;
    }
    return { node, key, depth };
  };

  const rangeOf = (path: NodePath): SourceRange => {
    const f = walk(path);
    if (f.depth < path.length) return rangeOfNode(f.node) ?? whole;
    if (isEmptyScalar(f.node) && f.key) return rangeOfNode(f.key) ?? whole;
    return rangeOfNode(f.node) ?? whole;
  };

  const keyRangeOf = (path: NodePath): SourceRange => {
    const f = walk(path);
    if (f.depth === path.length && f.key) return rangeOfNode(f.key) ?? whole;
    return rangeOfNode(f.node) ?? whole;
  };

  const has = (path: NodePath): boolean => walk(path).depth === path.length;

  const rangeInScalar = (path: NodePath, offset: number, length: number): SourceRange => {
    const f = walk(path);
    const all = rangeOf(path);
    if (f.depth < path.length || !isScalar(f.node) || typeof f.node.value !== 'string') return all;
    const map = scalarOffsetMap(text, f.node as Scalar<string>);
    if (!map) return all;
    const last = Math.max(offset, offset + length - 1);
    const start = map(offset);
    const end = map(Math.min(last, f.node.value.length - 1));
    if (start === undefined || end === undefined) return all;
    return { start, end: length === 0 ? start : end + 1 };
  };

  return { rangeOf, keyRangeOf, has, rangeInScalar };
}

/**
 * How offsets in a string scalar's value map to offsets in the source, when they map 1:1 within
 * each line: plain and quoted scalars without escapes or folding, and literal block scalars
 * (each line shifted by the block's indentation). Undefined otherwise, so callers fall back to
 * the whole scalar rather than point at the wrong character.
 */
export function scalarOffsetMap(text: string, node: Scalar<string>): ((i: number) => number | undefined) | undefined {
  const value = node.value;
  const range = node.range;
  if (!range) return undefined;
  if (node.type === Scalar.PLAIN || node.type === Scalar.QUOTE_SINGLE || node.type === Scalar.QUOTE_DOUBLE) {
    const start = range[0] + (node.type === Scalar.PLAIN ? 0 : 1);
    if (text.slice(start, start + value.length) !== value) return undefined;
    return (i) => (i >= 0 && i <= value.length ? start + i : undefined);
  }
  if (node.type !== Scalar.BLOCK_LITERAL) return undefined;
  const headerEnd = text.indexOf('\n', range[0]);
  if (headerEnd === -1) return undefined;
  const valueLines = value.split('\n');
  const lineStarts: number[] = [];
  let pos = headerEnd + 1;
  let indent = -1;
  for (const line of valueLines) {
    if (pos > text.length) break;
    let srcEnd = text.indexOf('\n', pos);
    if (srcEnd === -1) srcEnd = text.length;
    const srcLine = text.slice(pos, srcEnd).replace(/\r$/, '');
    if (indent === -1 && line.length > 0) indent = srcLine.length - line.length;
    lineStarts.push(pos);
    pos = srcEnd + 1;
  }
  if (indent < 0) return undefined;
  // Verify every non-empty line before trusting the map.
  for (let k = 0; k < valueLines.length; k++) {
    const line = valueLines[k]!;
    if (!line) continue;
    const at = lineStarts[k];
    if (at === undefined || text.slice(at + indent, at + indent + line.length) !== line) return undefined;
  }
  const valueLineStarts: number[] = [];
  let acc = 0;
  for (const line of valueLines) {
    valueLineStarts.push(acc);
    acc += line.length + 1;
  }
  return (i) => {
    if (i < 0 || i > value.length) return undefined;
    let k = valueLineStarts.length - 1;
    while (k > 0 && valueLineStarts[k]! > i) k--;
    const at = lineStarts[k];
    return at === undefined ? undefined : at + indent + (i - valueLineStarts[k]!);
  };
}
