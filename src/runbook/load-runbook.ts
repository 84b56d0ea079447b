/**
 * YAML text → validated {@link Runbook}, collecting every problem with its source range.
 * Three passes, each reporting all it finds: YAML syntax, the zod schema, then whole-document
 * rules (`check-document.ts`) that need the model to be structurally sound first.
 *
 * Two parsers, one answer: `yaml` keeps a source range on every node (what diagnostics need) but
 * builds that tree ~15× slower than `js-yaml` builds plain data. A runbook that parses cleanly and
 * passes the schema needs positions only if a later check complains, so the fast parser reads it
 * and the position index is built on first use; anything the fast parser or the schema rejects
 * takes the precise path, so every diagnostic still comes from `yaml` with its range.
 */
import { load as loadFast, CORE_SCHEMA } from 'js-yaml';
import { parseDocument } from 'yaml';
import type { Diagnostic, SourceFile } from '../errors.js';
import { checkDocument } from './check-document.js';
import { createPositionIndex } from './positions.js';
import { RunbookSchema } from './schema.js';
import type { LoadedRunbook, PositionIndex } from './types.js';
import { issuesToDiagnostics } from './zod-issues.js';

const bySourceOrder = (a: Diagnostic, b: Diagnostic) => (a.range?.start ?? 0) - (b.range?.start ?? 0);

/**
 * Loads a runbook. Never throws for a bad runbook: `runbook` is set only when no diagnostic is
 * an error, and `positions` locates any node by its model path (for the compiler's diagnostics).
 *
 * @example
 * const loaded = loadRunbook({ name: 'split-brain.yaml', text });
 * if (!loaded.runbook) console.error(formatDiagnostics(loaded.diagnostics));
 * loaded.positions.rangeOf(['steps', 2, 'action', 'sql']); // { start, end }
 */
export function loadRunbook(source: SourceFile): LoadedRunbook {
  const tooLarge = sizeProblem(source, undefined);
  if (tooLarge) return tooLarge;
  const data = parseFast(source.text);
  const tooMany = sizeProblem(source, data);
  if (tooMany) return tooMany;
  if (data === undefined) return loadPrecisely(source);
  const parsed = RunbookSchema.safeParse(data);
  if (!parsed.success) return loadPrecisely(source);
  const positions = lazyPositions(source.text);
  const diagnostics = checkDocument(parsed.data, { source, positions }).sort(bySourceOrder);
  const ok = !diagnostics.some((d) => d.severity === 'error');
  return ok ? { source, runbook: parsed.data, diagnostics, positions } : { source, diagnostics, positions };
}

/**
 * Runbooks are written by people: the largest shipped one has ~40 steps. The limits are far above
 * any real runbook and far below what makes load and compile slow (200,000 steps took 20 s and
 * 1 GB): a runbook past them is refused before the schema and the compiler see it.
 */
export const RUNBOOK_LIMITS = { bytes: 8 * 1024 * 1024, steps: 10_000 } as const;

function sizeProblem(source: SourceFile, data: unknown): LoadedRunbook | undefined {
  const positions = createPositionIndex(parseDocument(''), '');
  const refuse = (message: string): LoadedRunbook => ({
    source,
    diagnostics: [{ code: 'RUNBOOK_TOO_LARGE', message, severity: 'error', source, range: { start: 0, end: Math.min(1, source.text.length) } }],
    positions,
  });
  if (data === undefined) {
    if (source.text.length > RUNBOOK_LIMITS.bytes) return refuse(`the runbook has ${source.text.length} characters; at most ${RUNBOOK_LIMITS.bytes} are accepted`);
    return undefined;
  }
  const steps = typeof data === 'object' && data !== null ? (data as { steps?: unknown }).steps : undefined;
  if (Array.isArray(steps) && steps.length > RUNBOOK_LIMITS.steps) return refuse(`the runbook has ${steps.length} steps; at most ${RUNBOOK_LIMITS.steps} are accepted`);
  return undefined;
}

/** Anchors could hide an alias bomb that js-yaml would share rather than refuse; `yaml` counts them. */
const ANCHOR = /(?:^|[\s[{,])&[^\s&]/m; // `&&` in a CEL condition is not an anchor

/** Plain data from the fast parser, or `undefined` when the precise path must decide. */
export function parseFast(text: string): unknown {
  if (ANCHOR.test(text)) return undefined;
  try {
    // CORE_SCHEMA is YAML 1.2's core schema, the same one `yaml` resolves scalars with.
    const data = loadFast(text, { schema: CORE_SCHEMA });
    return data === null || data === undefined ? undefined : data;
  } catch {
    return undefined; // a syntax error, duplicate key, unknown tag: yaml reports it with a range
  }
}

function lazyPositions(text: string): PositionIndex {
  let index: PositionIndex | undefined;
  const get = () => (index ??= createPositionIndex(parseDocument(text, { keepSourceTokens: true }), text));
  return {
    rangeOf: (path) => get().rangeOf(path),
    keyRangeOf: (path) => get().keyRangeOf(path),
    has: (path) => get().has(path),
    rangeInScalar: (path, offset, length) => get().rangeInScalar(path, offset, length),
  };
}

/** The yaml-library path: every node keeps its source range. */
export function loadPrecisely(source: SourceFile): LoadedRunbook {
  const doc = parseDocument(source.text, { keepSourceTokens: true, prettyErrors: false, uniqueKeys: true });
  const positions = createPositionIndex(doc, source.text);
  const diagnostics: Diagnostic[] = [];

  for (const e of doc.errors) {
    if (e.code === 'DUPLICATE_KEY') {
      // yaml points at the key's first character; widen to the whole key for the caret
      const key = /^(?:"[^"\n]*"|'[^'\n]*'|[^\s:#,[\]{}]+)/.exec(source.text.slice(e.pos[0]))?.[0] ?? '';
      const range = { start: e.pos[0], end: e.pos[0] + Math.max(1, key.length) };
      const message = `duplicate key ${key ? `${key.startsWith('"') || key.startsWith("'") ? key : `"${key}"`} ` : ''}: each key may appear once in a map`;
      diagnostics.push({ code: 'DUPLICATE_KEY', message: message.replace(' :', ':'), severity: 'error', source, range });
      continue;
    }
    diagnostics.push({ code: 'YAML_SYNTAX', message: firstLine(e.message), severity: 'error', source, range: { start: e.pos[0], end: e.pos[1] } });
  }
  for (const w of doc.warnings) {
    diagnostics.push({ code: 'YAML_SYNTAX', message: firstLine(w.message), severity: 'warning', source, range: { start: w.pos[0], end: w.pos[1] } });
  }
  // After a real syntax error the tree is a guess; schema errors on it would only mislead.
  // Duplicate keys leave a well-formed tree, so validation goes on and finds the rest.
  if (diagnostics.some((d) => d.code === 'YAML_SYNTAX' && d.severity === 'error')) {
    return { source, diagnostics: diagnostics.sort(bySourceOrder), positions };
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // e.g. an alias bomb: refuse rather than expand it
    diagnostics.push({ code: 'YAML_SYNTAX', message: err instanceof Error ? err.message : String(err), severity: 'error', source, range: { start: 0, end: 0 } });
    return { source, diagnostics, positions };
  }
  const tooMany = sizeProblem(source, data);
  if (tooMany) return tooMany;

  const parsed = RunbookSchema.safeParse(data);
  if (!parsed.success) {
    diagnostics.push(...issuesToDiagnostics(parsed.error.issues, { source, positions, data }));
    return { source, diagnostics: diagnostics.sort(bySourceOrder), positions };
  }

  diagnostics.push(...checkDocument(parsed.data, { source, positions }));
  diagnostics.sort(bySourceOrder);
  const ok = !diagnostics.some((d) => d.severity === 'error');
  return ok ? { source, runbook: parsed.data, diagnostics, positions } : { source, diagnostics, positions };
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}
