/**
 * Shapes produced by the compile stage. The machine config is plain data (JSON-serialisable):
 * actors, guards, actions and delays are named by string and implemented by the runtime through
 * xstate's `setup()`, so a plan and a run are driven by the very same config.
 */
import type { Diagnostic, SourceFile, SourceRange } from '../errors.js';
import type { NodePath } from '../runbook/types.js';
import type { Outcome, StepKind } from '../runbook/schema.js';

/** Finds the source range of a runbook node by its model path (the loader's `PositionIndex.rangeOf`). */
export type Locate = (path: NodePath) => SourceRange | undefined;

export interface CompileOptions {
  source?: SourceFile;
  locate?: Locate;
}

/** A named implementation with parameters, e.g. `{ type: 'cel', params: { expr } }`. */
export interface NamedRef {
  type: string;
  params?: Record<string, unknown>;
}

/** Data on a transition; the graph walker reads `edge` and `path` to label and locate edges. */
export interface TransitionMeta {
  edge: EdgeKind;
  /** The runbook field that caused this transition, e.g. `['steps', 3, 'onFail']`. */
  path?: NodePath;
  /** Taken only when a fresh read proved a condition (check expect, verify expect, wait until). */
  verifies?: boolean;
}

export interface TransitionData {
  target: string;
  guard?: NamedRef;
  actions?: NamedRef[];
  meta?: TransitionMeta;
}

export interface StateMeta {
  step?: string;
  stepIndex?: number;
  phase: NodePhase;
  kind?: StepKind;
  impact?: 'change' | 'destructive';
  outcome?: Outcome;
  [key: string]: unknown;
}

export interface StateNodeData {
  id: string;
  type?: 'final';
  initial?: string;
  states?: Record<string, StateNodeData>;
  entry?: NamedRef[];
  on?: Record<string, TransitionData[]>;
  always?: TransitionData[];
  after?: Record<string, TransitionData[]>;
  invoke?: { id: string; src: string; input: Record<string, unknown>; onDone: TransitionData[]; onError: TransitionData[] };
  output?: { outcome: Outcome; message: string; step?: string };
  meta?: StateMeta;
}

/** An xstate v5 machine config, as data. Pass it to `setup({ actors, guards, actions, delays }).createMachine(config)`. */
export interface MachineConfigData extends StateNodeData {
  initial: string;
  states: Record<string, StateNodeData>;
  /** `runs`: how often each step with `retry` has run (the bound); `facts`: query results by step and role. */
  context: { runs: Record<string, number>; facts: Record<string, unknown> };
}

export type NodePhase =
  | 'when' | 'gate' | 'run' | 'retry' | 'confirm' | 'recheck' | 'execute' | 'verify'
  | 'poll' | 'sleep' | 'choose' | 'end' | 'enter' | 'outcome' | 'skipped';

export type EdgeKind =
  | 'next' | 'skip' | 'onFail' | 'fail' | 'retry' | 'poll' | 'timeout' | 'choice'
  | 'confirm' | 'decline' | 'abort' | 'phase' | 'end';

export interface GraphNode {
  /** The xstate state id, e.g. `demote:confirm`; outcomes are `@fixed`, `@failed`, `@aborted` or `<step>:end`. */
  id: string;
  step?: string;
  stepIndex?: number;
  phase: NodePhase;
  kind?: StepKind;
  impact?: 'change' | 'destructive';
  final?: boolean;
  outcome?: Outcome;
}

export interface GraphEdge {
  from: string;
  to: string;
  /** The xstate event that takes this transition (`CONFIRM`, `xstate.done.actor.…`, `after:…`, `always`). */
  event: string;
  kind: EdgeKind;
  /** Taken at most a bounded number of times per entry into the loop it closes (retry counter, wait timeout). */
  bounded: boolean;
  guard?: string;
  path?: NodePath;
  /** Taken only after a fresh read proved its condition (see TransitionMeta.verifies). */
  verifies?: boolean;
}

/** Every machine state that matters (the leaves) and every transition between them. */
export interface StepGraph {
  entry: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export interface CompileResult {
  machine: MachineConfigData;
  graph: StepGraph;
  /** Named delays in milliseconds for `setup({ delays })`: `<step>:interval`, `<step>:retryDelay`, … */
  delays: Record<string, number>;
  diagnostics: Diagnostic[];
  safety: SafetyResult;
}

export interface SafetyStepResult {
  step: string;
  confirmNode?: string;
  executeNode: string;
  /** The confirm node dominates execute, and only its CONFIRM edge leads on towards execute. */
  safe: boolean;
  /** Entry → execute avoiding the CONFIRM edge; present only when unsafe. */
  witness?: string[];
}

export interface SafetyResult {
  ok: boolean;
  steps: SafetyStepResult[];
}

export type ParamValue = string | number | boolean;

export interface PlanBinding {
  name: string;
  /** The parameter value, or `<from facts.x…>` / `<cel: …>` when known only at run time. */
  value: string;
  from: 'param' | 'bind';
}

export interface PlanQuery {
  phase: 'check' | 'recheck' | 'execute' | 'verify' | 'poll';
  on: string[];
  sql?: string;
  bindings?: PlanBinding[];
  azure?: { operation: string; link: string; body?: unknown };
  expect?: string;
}

export interface PlanBranch {
  on: 'when-false' | 'next' | 'onFail' | 'choice' | 'confirm-skip' | 'timeout' | 'retry-exhausted';
  condition?: string;
  label?: string;
  goto: string;
}

export interface PlanStep {
  number: number;
  id: string;
  title: string;
  kind: StepKind;
  impact?: 'change' | 'destructive';
  when?: string;
  queries: PlanQuery[];
  confirm?: { message?: string; evidence: string[]; show?: Record<string, string>; typeToConfirm?: { param: string; expected: string } };
  recheck?: string[];
  requires?: string;
  wait?: { interval: string; timeout: string; until: string };
  decide?: { prompt: string; choices: Array<{ label: string; goto: string; when?: string }> };
  end?: { outcome: Outcome; message: string };
  retry?: { max: number; delay: string };
  timeout?: string;
  branches: PlanBranch[];
}

export interface PlanOutcome {
  outcome: Outcome;
  step?: string;
  message: string;
}

export interface Plan {
  planVersion: 1;
  runbook: { name: string; title: string; sha256: string; description?: string; notes?: string[] };
  /** What the run does, counted: `5 checks, 3 changes (2 destructive), 1 manual step, 2 waits`. */
  summary: string;
  parameters: Record<string, ParamValue>;
  targets: string[];
  steps: PlanStep[];
  outcomes: PlanOutcome[];
}
