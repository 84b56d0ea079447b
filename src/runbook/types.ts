/**
 * Types shared by the runbook stage. The model types themselves (Runbook, Step, …) are derived
 * from the zod schema in `schema.ts`; this file holds the loader's own shapes.
 */
import type { Diagnostic, ErrorCode, SourceFile, SourceRange } from '../errors.js';
import type { Runbook } from './schema.js';

/** A path into the runbook document, e.g. `['steps', 3, 'action', 'sql']`. */
export type NodePath = readonly (string | number)[];

/** Finds the source range of any node of a loaded runbook by its path in the model. */
export interface PositionIndex {
  /** Range of the value at `path`; falls back to the nearest ancestor that exists in the source. */
  rangeOf(path: NodePath): SourceRange;
  /** Range of the key naming the value at `path` (the item itself for sequence items); same fallback. */
  keyRangeOf(path: NodePath): SourceRange;
  /** Whether `path` exists in the source (defaults added by the schema do not). */
  has(path: NodePath): boolean;
  /**
   * Maps a span of a string scalar's *value* to the source, when the scalar's source text holds
   * the value 1:1 (plain, simple quoted and literal block scalars); otherwise the whole scalar.
   */
  rangeInScalar(path: NodePath, offset: number, length: number): SourceRange;
}

export interface LoadedRunbook {
  source: SourceFile;
  /** Set only when no diagnostic is an error. */
  runbook?: Runbook;
  diagnostics: Diagnostic[];
  positions: PositionIndex;
}

export type SqlTemplatePart =
  | { kind: 'text'; text: string }
  | {
      kind: 'ident' | 'literal';
      /** The parameter whose value is substituted. */
      param: string;
      /** Offset and length of the whole `{{…}}` placeholder in the template text. */
      offset: number;
      length: number;
    };

export interface SqlTemplateProblem {
  code: ErrorCode;
  message: string;
  /** Offset and length in the template text. */
  offset: number;
  length: number;
}

export interface ParsedSqlTemplate {
  text: string;
  parts: SqlTemplatePart[];
  /** Distinct `@name` placeholders the driver must bind, in order of first use. */
  boundNames: string[];
  /** Every `@name` occurrence, for diagnostics at the exact spot. */
  boundAt: Array<{ name: string; offset: number; length: number }>;
  problems: SqlTemplateProblem[];
}
