/**
 * The runbook format (apiVersion agmedic/v1), defined once. The TypeScript types below and the
 * published JSON Schema (`schema/runbook.schema.json`, `agmedic schema`) are both derived from it,
 * so editors, the loader and the compiler cannot disagree about what a runbook is.
 *
 * Structural rules live here; rules that need the whole document (references between steps,
 * CEL type-checking, SQL templates, the safety proof) live in the loader and compiler, which report
 * them with source positions.
 */
import { z } from 'zod';
import { DURATION_PATTERN, ID_PATTERN, PARAM_NAME_PATTERN } from './patterns.js';

// zod 4 compiles a specialised parser with `new Function` on a schema's first use; a CLI that
// parses one runbook and exits pays that compile (~50 ms) for nothing. Interpreted parsing is
// plenty fast even for 10k-step runbooks (bench/compile-scale.ts).
z.config({ jitless: true });

export { ID_PATTERN, PARAM_NAME_PATTERN, DURATION_PATTERN };

const cel = z.string().min(1).describe('A CEL expression (https://cel.dev).');
const duration = z.string().regex(DURATION_PATTERN).describe('A duration such as 250ms, 30s, 5m, 1h30m, 2d.');
const stepId = z.string().regex(ID_PATTERN).describe('The id of a step of this runbook.');
const targetRole = z.string().regex(ID_PATTERN).describe('A target role declared under `targets`.');

const paramCommon = {
  description: z.string().min(1).describe('What the parameter means, shown in help and prompts.'),
  /** Omitted default and `required` unset → required. */
  required: z.boolean().optional(),
};

export const ParameterSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('identifier').describe('A SQL Server name (1–128 characters), quoted only by {{ident …}}.'),
    ...paramCommon,
    default: z.string().optional(),
  }),
  z.strictObject({
    type: z.literal('string'),
    ...paramCommon,
    default: z.string().optional(),
    pattern: z.string().optional().describe('A regular expression the whole value must match.'),
    maxLength: z.number().int().positive().optional(),
  }),
  z.strictObject({
    type: z.literal('int'),
    ...paramCommon,
    default: z.number().int().optional(),
    min: z.number().int().optional(),
    max: z.number().int().optional(),
  }),
  z.strictObject({
    type: z.literal('bool'),
    ...paramCommon,
    default: z.boolean().optional(),
  }),
  z.strictObject({
    type: z.literal('enum'),
    ...paramCommon,
    values: z.array(z.string().min(1)).min(1),
    default: z.string().optional(),
  }),
  z.strictObject({
    type: z.literal('duration'),
    ...paramCommon,
    default: duration.optional(),
  }),
]);

/** Where a query runs: one target role or several (facts are then kept per role). */
const on = z.union([targetRole, z.array(targetRole).min(1)]).describe('The target role(s) to run on.');

/**
 * Values bound to `@name` placeholders, as CEL expressions over `params` and `facts`.
 * A placeholder not listed here binds the runbook parameter of the same name.
 */
const bind = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), cel).describe('Bound SQL parameters: @name → CEL expression.');

export {
  AZURE_OPERATIONS,
  READ_ONLY_AZURE_OPERATIONS,
  LINK_AZURE_OPERATIONS,
  CERTIFICATE_AZURE_OPERATIONS,
  AZURE_API_VERSIONS,
  type AzureOperation,
  type AzureApiVersion,
} from './azure-operations.js';
import { AZURE_OPERATIONS, AZURE_API_VERSIONS } from './azure-operations.js';

/** A JSON value; a leaf written as `{ cel: "expr" }` is computed when the step runs. */
const azureBody: z.ZodType<unknown> = z.lazy(() =>
  z.union([
    z.strictObject({ cel }),
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(azureBody),
    z.record(z.string(), azureBody),
  ]),
);

export const AzureCallSchema = z.strictObject({
  operation: z.enum(AZURE_OPERATIONS).describe('An operation of the link resource (distributedAvailabilityGroups).'),
  link: z.string().optional().describe('Link (distributed AG) name; defaults to the `link` parameter.'),
  certificate: z
    .union([z.string().min(1), z.strictObject({ cel })])
    .optional()
    .describe('Server trust certificate name (getTrustCertificate, putTrustCertificate, deleteTrustCertificate); a string or { cel: expr }.'),
  apiVersion: z.enum(AZURE_API_VERSIONS).optional().describe('ARM api-version to send; default 2025-01-01.'),
  body: azureBody.optional(),
});

/** Either T-SQL or an Azure call, on one or more targets. */
const querySource = {
  on,
  sql: z.string().min(1).optional().describe('T-SQL. Values as @name (bound), identifiers as {{ident param}}, DDL string literals as {{literal param}}.'),
  bind: bind.optional(),
  azure: AzureCallSchema.optional(),
};

export const CheckSchema = z.strictObject({
  ...querySource,
  expect: cel.optional().describe('Must hold for every target; `rows` (SQL) or `result` (Azure) are in scope.'),
  message: z.string().optional().describe('Shown when `expect` does not hold.'),
  show: z.record(z.string(), cel).optional().describe('Named values printed after the check runs (guided), e.g. an ETA; `rows` is the first target\'s. A name ending in _kb, _bytes, _ms or _s is shown in MB/GB, ms/s, h/min.'),
});

export const ActionSchema = z.strictObject({
  ...querySource,
});

export const VerifySchema = z.strictObject({
  ...querySource,
  expect: cel,
  message: z.string().optional(),
});

export const WaitSchema = z.strictObject({
  ...querySource,
  until: cel.describe('Polling stops when this holds on every target.'),
  interval: duration.default('5s'),
  timeout: duration,
  progress: z
    .strictObject({
      label: z.string().optional(),
      value: cel.describe('Current value, e.g. transferred bytes.'),
      total: cel.optional().describe('Value at completion, for a percentage and ETA.'),
      unit: z.string().optional(),
    })
    .optional(),
});

export const DecideSchema = z.strictObject({
  prompt: z.string().min(1),
  choices: z
    .array(
      z.strictObject({
        label: z.string().min(1),
        next: stepId,
        when: cel.optional().describe('Policy: the first choice whose `when` holds is taken unattended and preselected when guided.'),
      }),
    )
    .min(1),
});

/**
 * `diagnosed`: a diagnostic runbook finished its diagnosis (exit 0); `fixed` must be earned by a
 * fresh verification on every route into it (the compiler checks, see compile/earned-outcomes.ts).
 */
export const OUTCOMES = ['fixed', 'nothing-to-do', 'diagnosed', 'refused', 'failed', 'manual', 'aborted'] as const;

export const EndSchema = z.strictObject({
  outcome: z.enum(OUTCOMES),
  message: z.string().min(1),
});

export const ConfirmSchema = z.strictObject({
  message: z.string().optional().describe('What the operator is asked.'),
  evidence: z.array(stepId).default([]).describe('Steps whose facts are shown before asking.'),
  show: z.record(z.string(), cel).optional().describe('Named CEL values shown as evidence, e.g. the LSN gap.'),
  typeToConfirm: z.string().optional().describe('A parameter whose value the operator must type (destructive steps).'),
});

export const RetrySchema = z.strictObject({
  max: z.number().int().min(1).max(100),
  delay: duration.default('1s'),
});

const stepCommon = {
  id: z.string().regex(ID_PATTERN).describe('Unique within the runbook; CEL sees this step\'s results as facts.<id>.'),
  title: z.string().min(1).describe('One line shown to the operator and in plans.'),
  description: z.string().optional().describe('Longer explanation shown in guided mode.'),
  when: cel.optional().describe('When false, the step is skipped and the run goes on to the next step.'),
  next: stepId.optional().describe('The step after this one; defaults to the following step.'),
  onFail: stepId.optional().describe('Where to go when the step fails (expect false, error, timeout); default: the run fails.'),
  retry: RetrySchema.optional(),
  timeout: duration.optional(),
};

export const StepSchema = z.strictObject({
  ...stepCommon,
  check: CheckSchema.optional().describe('Read-only query whose `expect` must hold on every target.'),
  action: ActionSchema.optional().describe('A change; needs `impact` and `verify`, and `confirm` with `typeToConfirm` when destructive.'),
  impact: z.enum(['change', 'destructive']).optional().describe('Required on actions.'),
  confirm: ConfirmSchema.optional(),
  onSkip: stepId.optional().describe('Where a declined (skipped) action goes; default: the run ends `manual`, naming the skipped step.'),
  recheck: z.array(stepId).optional().describe('Checks re-run just before this action (the world may have changed).'),
  requires: cel.optional().describe('Must hold, after `recheck`, for the action to run.'),
  verify: VerifySchema.optional().describe('Postcondition; proves the change happened and settles in-doubt steps on resume.'),
  wait: WaitSchema.optional().describe('Polls a query until `until` holds, at most `timeout`.'),
  decide: DecideSchema.optional().describe('The operator (or a policy, unattended) picks the next step.'),
  end: EndSchema.optional().describe('Finishes the run with an outcome.'),
});

export const RunbookSchema = z.strictObject({
  apiVersion: z.literal('agmedic/v1').describe('Version of the runbook format.'),
  kind: z.literal('Runbook'),
  metadata: z.strictObject({
    name: z.string().regex(ID_PATTERN).describe('Short name: lowercase letters, digits, "-" and "_".'),
    title: z.string().min(1).describe('One line saying what the runbook fixes.'),
    description: z.string().optional(),
    references: z.array(z.string().min(1)).default([]).describe('Error messages, symptoms or articles this runbook answers.'),
    notes: z.array(z.string().min(1)).default([]).describe('Caveats a DBA must read, e.g. an unconfirmed step order.'),
    lock: z.string().optional().describe('Parameter naming the lock resource (agmedic:<value>); default `link`.'),
  }),
  parameters: z.record(z.string().regex(PARAM_NAME_PATTERN), ParameterSchema).default({}).describe('Inputs, given as -p name=value.'),
  targets: z.array(targetRole).min(1).describe('The roles steps run on (e.g. sqlserver, mi); a targets file maps them to servers.'),
  steps: z.array(StepSchema).min(1).describe('Run in order unless next, onFail or a decide step says otherwise.'),
});

export type Parameter = z.infer<typeof ParameterSchema>;
export type ParameterType = Parameter['type'];
export type AzureCall = z.infer<typeof AzureCallSchema>;
export type Check = z.infer<typeof CheckSchema>;
export type Action = z.infer<typeof ActionSchema>;
export type Verify = z.infer<typeof VerifySchema>;
export type Wait = z.infer<typeof WaitSchema>;
export type Decide = z.infer<typeof DecideSchema>;
export type End = z.infer<typeof EndSchema>;
export type Confirm = z.infer<typeof ConfirmSchema>;
export type Step = z.infer<typeof StepSchema>;
export type Outcome = (typeof OUTCOMES)[number];
export type Runbook = z.infer<typeof RunbookSchema>;
export type StepKind = 'check' | 'action' | 'wait' | 'decide' | 'end';
export const STEP_KINDS: readonly StepKind[] = ['check', 'action', 'wait', 'decide', 'end'];
