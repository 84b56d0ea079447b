/**
 * Which facts a CEL condition reads, as small CEL expressions that can be evaluated again later.
 *
 * A "read" is the longest constant access path rooted at `facts` (or at a query's own `rows`),
 * e.g. `facts.roles.sqlserver[0].role`, widened to a whole `size(…)`, `has(…)` or comprehension
 * (`….exists(r, …)`, `all`, `exists_one`, `filter`, `map`) applied to it. Since a condition is a
 * function of its reads and the parameters, equal reads mean an equal outcome — which is what
 * lets a fingerprint of reads stand for "the route would be the same", without including columns
 * the condition never looks at (LSNs that move every second, timestamps).
 *
 * Parsing is compile/cel.ts's (cached, shared with the compiler); nothing is evaluated here.
 */
import type { ASTNode } from '@marcbachmann/cel-js';
import { parseCelAst } from '../../compile/cel.js';

const COMPREHENSIONS = new Set(['exists', 'all', 'exists_one', 'existsOne', 'filter', 'map']);
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** One read: CEL text over `facts` (and `params`), evaluable on its own. */
export interface FactRead {
  /** e.g. `facts.roles.sqlserver[0].role`, `size(facts.divergence.mi)`. */
  expr: string;
  /** The step whose facts it reads (first path element), when static. */
  step?: string;
}

/** `facts.<step>.<role>` written so CEL accepts any step or role name. */
export function factsPath(step: string, role: string): string {
  const seg = (s: string) => (IDENT.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`);
  return `facts${seg(step)}${seg(role)}`;
}

/**
 * The reads of `expr`. With `rows`, the query's own `rows` are rewritten to `facts.<step>.<role>`
 * (what the runtime records them as), so the read can be evaluated again from facts alone.
 * An expression that does not parse reads nothing (the compiler has refused it already).
 *
 * @example
 * factReads("facts.roles.sqlserver[0].role == 'PRIMARY' && size(facts.b.mi) > 0")
 * // [{ expr: 'facts.roles.sqlserver[0].role', step: 'roles' }, { expr: 'size(facts.b.mi)', step: 'b' }]
 * factReads('rows.size() == 1', { step: 'roles', role: 'mi' })
 * // [{ expr: 'facts.roles.mi.size()', step: 'roles' }]
 */
export function factReads(expr: string, rows?: { step: string; role: string }): FactRead[] {
  const ast = parseCelAst(expr);
  if (!ast) return [];
  const out: FactRead[] = [];
  const seen = new Set<string>();
  const add = (node: ASTNode, root: RootInfo) => {
    const text = rewrite(expr, node, root, rows);
    if (text === undefined || seen.has(text)) return;
    seen.add(text);
    const step = root.name === 'facts' ? root.firstKey : rows?.step;
    out.push(step === undefined ? { expr: text } : { expr: text, step });
  };
  const visit = (node: ASTNode): void => {
    const widened = widen(node);
    if (widened) {
      add(node, widened);
      return;
    }
    const root = chainRoot(node);
    if (root) {
      add(node, root);
      return;
    }
    for (const child of children(node)) visit(child);
  };
  visit(ast);
  return out;
}

interface RootInfo {
  /** `rows` (SQL) and `result` (Azure) are a query's own output, recorded as `facts.<step>.<role>`. */
  name: 'facts' | 'rows' | 'result';
  /** The `id` node of the root, for rewriting `rows`. */
  id: ASTNode;
  firstKey?: string;
}

/** A constant access path rooted at `facts` or `rows`: its root, else undefined. */
function chainRoot(node: ASTNode): RootInfo | undefined {
  switch (node.op) {
    case 'id':
      return node.args === 'facts' || node.args === 'rows' || node.args === 'result' ? { name: node.args, id: node } : undefined;
    case '.':
    case '.?': {
      const base = chainRoot(node.args[0]);
      if (!base) return undefined;
      return base.firstKey === undefined && base.id === node.args[0] ? { ...base, firstKey: node.args[1] } : base;
    }
    case '[]':
    case '[?]': {
      const [b, key] = node.args;
      if (key.op !== 'value') return undefined;
      const base = chainRoot(b);
      if (!base) return undefined;
      return base.firstKey === undefined && base.id === b && typeof key.args === 'string' ? { ...base, firstKey: key.args } : base;
    }
    default:
      return undefined;
  }
}

/** `size(x)`, `has(x.f)`, `x.size()`, `x.exists(v, …)` … over a chain: the chain's root. */
function widen(node: ASTNode): RootInfo | undefined {
  if (node.op === 'call') {
    const [name, args] = node.args;
    if ((name === 'size' || name === 'has') && args.length === 1) return chainRoot(args[0]!);
  }
  if (node.op === 'rcall') {
    const [name, target, args] = node.args;
    if ((name === 'size' && args.length === 0) || COMPREHENSIONS.has(name)) return chainRoot(target);
  }
  return undefined;
}

function children(node: ASTNode): ASTNode[] {
  const args = node.args as unknown;
  if (!Array.isArray(args)) return args && typeof args === 'object' && 'op' in args ? [args as ASTNode] : [];
  return args.flat(2).filter((c): c is ASTNode => Boolean(c) && typeof c === 'object' && 'op' in (c as object));
}

function rewrite(expr: string, node: ASTNode, root: RootInfo, rows: { step: string; role: string } | undefined): string | undefined {
  const text = expr.slice(node.start, node.end);
  if (root.name === 'facts') return text;
  if (!rows) return undefined; // `rows` outside a query field: nothing the facts record
  const at = root.id.start - node.start;
  return `${text.slice(0, at)}${factsPath(rows.step, rows.role)}${text.slice(at + root.name.length)}`;
}
