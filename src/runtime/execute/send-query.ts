/**
 * Sends one plan query to its targets through the ports, records each statement or Azure call,
 * and, for changes, journals intent before and outcome after (fsync'ing the audit log around it).
 * Values reach SQL only as bound parameters; the text is the plan's, byte for byte.
 */
import { AgmedicError, isAgmedicError } from '../../errors.js';
import { describeAzureCall } from '../../compile/describe-azure-call.js';
import type { PlanAzureCall, PlanQuery } from '../../compile/types.js';
import type { AzureCallOptions } from '../../ports/azure-link.js';
import { LINK_AZURE_OPERATIONS, type AzureApiVersion, type AzureOperation } from '../../runbook/azure-operations.js';
import type { BoundParam } from '../../ports/sql-target.js';
import { humanize } from '../../compile/human-units.js';
import { firstRoleScope, holdsOnEveryTarget, resolveBody, valueOf, type QueryOutput } from './cel-scope.js';
import { ledgerKey } from './ledger.js';
import { azureOutcomeUnknown, sendAzureChange } from './settle-azure.js';
import { FIELD_OF, type QueryPhase, type RunState } from './run-state.js';

/** The input the compiled machine gives its `runQuery` actor, plus the step's entry count. */
export interface QueryInput {
  step: string;
  phase: Exclude<QueryPhase, 'recheck'>;
  on: string[];
  timeoutMs?: number;
  impact?: 'change' | 'destructive';
  entry: number;
}

export interface RecheckInput {
  step: string;
  checks: string[];
  entry: number;
}

/** Errors after which nobody knows whether the statement took effect. */
const UNKNOWN_OUTCOME = new Set(['CANCELLED', 'STEP_TIMEOUT', 'CONNECT_FAILED']);

function toBoundValue(v: unknown): BoundParam['value'] {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v instanceof Date || v instanceof Uint8Array) return v;
  return JSON.stringify(v);
}

export class QueryRunner {
  constructor(private readonly rs: RunState) {}

  private scope(): Record<string, unknown> {
    return { params: this.rs.opts.values, facts: this.rs.facts };
  }

  /** The values bound to the query's `@name` parameters. */
  params(step: string, phase: QueryPhase, q: PlanQuery): BoundParam[] {
    const raw = this.rs.steps.get(step)?.[FIELD_OF[phase]] as { bind?: Record<string, string> } | undefined;
    return (q.bindings ?? []).map((b): BoundParam => {
      if (b.from === 'bind') return { name: b.name, value: toBoundValue(valueOf(raw?.bind?.[b.name] ?? 'null', this.scope(), this.rs.celError)) };
      return { name: b.name, value: toBoundValue(this.rs.opts.values[b.name]) };
    });
  }

  azureBody(step: string, phase: QueryPhase): unknown {
    const raw = this.rs.steps.get(step)?.[FIELD_OF[phase]] as { azure?: { body?: unknown } } | undefined;
    return raw?.azure?.body === undefined ? undefined : resolveBody(raw.azure.body, this.scope(), this.rs.celError);
  }

  /** The plan's Azure call with what only the run knows filled in (a certificate named by `{ cel }` over facts). */
  azureCall(step: string, phase: QueryPhase, planned: PlanAzureCall): PlanAzureCall {
    const raw = this.rs.steps.get(step)?.[FIELD_OF[phase]] as { azure?: { certificate?: unknown } } | undefined;
    const certificate = raw?.azure?.certificate;
    if (certificate === undefined) return planned;
    return { ...planned, certificate: String(resolveBody(certificate, this.scope(), this.rs.celError)) };
  }

  /** One query on one role; audited. Returns rows (SQL) or the response body (Azure). */
  async send(step: string, phase: QueryPhase, q: PlanQuery, role: string, signal: AbortSignal, timeoutMs?: number, onAccepted?: AzureCallOptions['onAccepted']): Promise<unknown> {
    const { opts, recorder } = this.rs;
    recorder.check();
    const started = opts.clock.now().getTime();
    const elapsed = () => Math.max(0, opts.clock.now().getTime() - started);
    if (q.azure) {
      const link = opts.targets.azure[role];
      if (!link) throw new AgmedicError('TARGET_MISSING', `step ${step}: target ${role} has no Azure coordinates (azure: in the targets file)`, { details: { role } });
      const body = this.azureBody(step, phase);
      const call = this.azureCall(step, phase, q.azure);
      const name = LINK_AZURE_OPERATIONS.includes(call.operation as AzureOperation) ? call.link : (call.certificate ?? '');
      try {
        const res = await link.call(call.operation as AzureOperation, name, body, {
          signal,
          ...(call.apiVersion === undefined ? {} : { apiVersion: call.apiVersion as AzureApiVersion }),
          ...(onAccepted === undefined ? {} : { onAccepted }),
        });
        recorder.record({ type: 'azure-call', runId: opts.runId, step, target: role, method: res.request.method, path: res.request.path, apiVersion: res.request.apiVersion, ...(body === undefined ? {} : { body }), status: res.status, durationMs: res.durationMs });
        opts.onNotice?.({ type: 'statement', step, target: role, phase, durationMs: res.durationMs, ok: true });
        return res.body ?? {};
      } catch (err) {
        const status = isAgmedicError(err) && typeof err.details?.status === 'number' ? err.details.status : 0;
        recorder.record({ type: 'azure-call', runId: opts.runId, step, target: role, method: call.operation, path: `${role}/${describeAzureCall(call)}`, apiVersion: call.apiVersion ?? '', ...(body === undefined ? {} : { body }), status, durationMs: elapsed() });
        opts.onNotice?.({ type: 'statement', step, target: role, phase, durationMs: elapsed(), ok: false });
        throw err;
      }
    }
    const target = opts.targets.sql[role];
    if (!target) throw new AgmedicError('TARGET_MISSING', `step ${step}: no target ${role} is open (is it in the targets file?)`, { details: { role } });
    const text = q.sql ?? '';
    const params = this.params(step, phase, q);
    const audited = Object.fromEntries(params.map((p) => [p.name, p.value]));
    try {
      const res = await target.query(text, params, { signal, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
      const rowCount = res.rowsAffected.reduce((a, b) => a + b, 0) || res.rows.length;
      recorder.record({ type: 'statement', runId: opts.runId, step, target: role, server: target.server, text, parameters: audited, durationMs: res.durationMs, outcome: { status: 'ok', rowCount } });
      opts.onNotice?.({ type: 'statement', step, target: role, phase, durationMs: res.durationMs, ok: true });
      return res.rows;
    } catch (err) {
      const sqlError = isAgmedicError(err) ? (err.details?.sqlError as { number?: number } | undefined) : undefined;
      const code = isAgmedicError(err) ? err.code : 'INTERNAL';
      recorder.record({
        type: 'statement', runId: opts.runId, step, target: role, server: target.server, text, parameters: audited, durationMs: elapsed(),
        outcome: { status: 'error', number: sqlError?.number ?? 0, message: `${code}: ${err instanceof Error ? err.message : String(err)}` },
      });
      opts.onNotice?.({ type: 'statement', step, target: role, phase, durationMs: elapsed(), ok: false });
      throw err;
    }
  }

  /** Reads the resource a step's Azure change acts on (to put its state on record when settling the change). */
  async sendRead(step: string, role: string, operation: 'get' | 'getTrustCertificate', signal: AbortSignal): Promise<unknown> {
    const q = this.rs.query(step, 'execute');
    if (!q.azure) return undefined;
    return this.send(step, 'execute', { ...q, azure: { ...q.azure, operation } }, role, signal);
  }

  /** A read-only query (check, verify, poll, recheck) on every role it names. */
  async read(step: string, phase: QueryPhase, signal: AbortSignal, timeoutMs?: number): Promise<QueryOutput> {
    const q = this.rs.query(step, phase);
    const byRole: Record<string, unknown> = {};
    for (const role of q.on) byRole[role] = await this.send(step, phase, q, role, signal, timeoutMs);
    const out: QueryOutput = { kind: q.azure ? 'azure' : 'sql', byRole };
    if (this.rs.opts.onNotice) this.tell(step, phase, out);
    return out;
  }

  /** What the operator sees of a read: a verify's finding, the values a check declares for display. */
  private tell(step: string, phase: QueryPhase, out: QueryOutput): void {
    const s = this.rs.steps.get(step);
    const { opts } = this.rs;
    if (phase === 'verify' && s?.verify) {
      const ok = holdsOnEveryTarget(s.verify.expect, out, opts.values, this.rs.facts, this.rs.celError);
      opts.onNotice!({ type: 'verified', step, ok, found: summarizeOutput(out) });
    }
    if (phase === 'check' && s?.check?.show) {
      const scope = firstRoleScope(out, opts.values, { ...this.rs.facts, [step]: out.byRole });
      const items = Object.entries(s.check.show).map(([label, expr]) => {
        const v = valueOf(expr, scope, this.rs.celError);
        return { label, value: v === undefined || v === null ? '(none)' : (humanize(label, v) ?? showValue(v)) };
      });
      opts.onNotice!({ type: 'shown', step, items });
    }
  }

  /**
   * A change on every role, each journalled. A change the journal shows as done is not sent again;
   * one in doubt is refused here (resume settles it through verify before the machine restarts).
   */
  async change(input: QueryInput, signal: AbortSignal): Promise<QueryOutput> {
    const { ledger, recorder, opts } = this.rs;
    const q = this.rs.query(input.step, 'execute');
    const byRole: Record<string, unknown> = {};
    let spent = 0;
    let sentAny = false;
    for (const role of q.on) {
      const key = ledgerKey(input.step, input.entry, role);
      const state = ledger.state(key);
      if (state === 'done') {
        byRole[role] = q.azure ? {} : [];
        continue;
      }
      if (state === 'failed') {
        const e = ledger.outcomeOf(key)?.error;
        throw new AgmedicError((e?.code ?? 'SQL_ERROR') as never, e?.message ?? 'the statement failed before the run was interrupted');
      }
      if (state === 'open') throw new AgmedicError('IN_DOUBT', `step ${input.step} on ${role}: an earlier attempt may or may not have taken effect; resume settles it through verify`, { details: { step: input.step, role } });
      const text = q.azure ? describeAzureCall(this.azureCall(input.step, 'execute', q.azure)) : (q.sql ?? '');
      await recorder.sync();
      await ledger.append({ type: 'intent', key, step: input.step, target: role, at: opts.clock.now().toISOString(), text });
      try {
        const sentAt = opts.clock.now().getTime();
        if (q.azure) {
          const result = await sendAzureChange(this.rs, this, { step: input.step, role, key, signal, ...(input.timeoutMs === undefined ? {} : { timeoutMs: input.timeoutMs }) });
          byRole[role] = result.body;
          spent += Math.max(0, opts.clock.now().getTime() - sentAt);
          if (result.settledBy === 'verify') {
            // Someone else's operation made the change happen (or ours, from before a crash): not sent.
            await ledger.append({ type: 'outcome', key, at: opts.clock.now().toISOString(), status: 'ok', resolution: 'verified-done' });
            await recorder.sync();
            continue;
          }
        } else {
          byRole[role] = await this.send(input.step, 'execute', q, role, signal, input.timeoutMs);
          spent += Math.max(0, opts.clock.now().getTime() - sentAt);
        }
        sentAny = true;
        await ledger.append({ type: 'outcome', key, at: opts.clock.now().toISOString(), status: 'ok' });
        // fsync after the change: a failure here must stop the run, not pass unnoticed.
        await recorder.sync();
      } catch (err) {
        const code = isAgmedicError(err) ? err.code : 'INTERNAL';
        const unknown = UNKNOWN_OUTCOME.has(code) || (q.azure !== undefined && azureOutcomeUnknown(err, ledger.acceptedOf(key) !== undefined));
        const number = isAgmedicError(err) ? (err.details?.sqlError as { number?: number } | undefined)?.number : undefined;
        await ledger.append({
          type: 'outcome', key, at: opts.clock.now().toISOString(), status: unknown ? 'cancelled' : 'error',
          error: { code, message: err instanceof Error ? err.message : String(err), ...(number === undefined ? {} : { number }) },
        });
        if (unknown) recorder.record({ type: 'in-doubt', runId: opts.runId, step: input.step, target: role, reason: `${code} while the change was in flight` });
        // The statement's error is the one to report; an audit failure is sticky in the sink and
        // fails the run's next write (and its close) with AUDIT_WRITE anyway.
        await recorder.sync().catch(() => undefined);
        throw err;
      }
    }
    if (sentAny) opts.onNotice?.({ type: 'executed', step: input.step, durationMs: spent, targets: q.on });
    return { kind: q.azure ? 'azure' : 'sql', byRole };
  }

  /** Re-runs the checks a destructive step names; each must still meet its `expect`. */
  async recheck(input: RecheckInput, signal: AbortSignal): Promise<QueryOutput & { facts: Record<string, unknown> }> {
    const facts: Record<string, unknown> = {};
    for (const id of input.checks) {
      const out = await this.read(id, 'recheck', signal);
      const check = this.rs.steps.get(id)?.check;
      if (check?.expect && !holdsOnEveryTarget(check.expect, out, this.rs.opts.values, { ...this.rs.facts, ...facts }, this.rs.celError)) {
        throw new AgmedicError('CHECK_FAILED', `step ${input.step}: re-check ${id} no longer holds (${check.expect})${check.message ? `: ${check.message}` : ''}`, { details: { step: input.step, check: id } });
      }
      facts[id] = out.byRole;
    }
    return { kind: 'sql', byRole: {}, facts };
  }

  /** Runs a step's verify postcondition: did the change take effect? */
  async verifies(step: string, signal: AbortSignal): Promise<boolean> {
    const verify = this.rs.steps.get(step)?.verify;
    if (!verify) return false;
    const out = await this.read(step, 'verify', signal);
    return holdsOnEveryTarget(verify.expect, out, this.rs.opts.values, this.rs.facts, this.rs.celError);
  }
}

const MAX_SHOWN = 160;

/** A bigint-safe one-line rendering of a value, cut to a readable length. */
export function showValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Date) return v.toISOString();
  let text: string;
  try {
    text = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? String(v);
  } catch {
    text = String(v);
  }
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}

/** `sqlserver: role=SECONDARY; mi: (no rows)` — the first row of each role, units spelled out. */
export function summarizeOutput(out: QueryOutput): string {
  return Object.entries(out.byRole)
    .map(([role, value]) => {
      if (Array.isArray(value)) {
        if (value.length === 0) return `${role}: (no rows)`;
        const row = value[0] as Record<string, unknown>;
        const cells = row && typeof row === 'object' ? Object.entries(row).map(([k, v]) => `${k}=${humanize(k, v) ?? showValue(v)}`).join(', ') : showValue(row);
        return `${role}: ${cells}${value.length > 1 ? ` (+${value.length - 1} rows)` : ''}`;
      }
      return `${role}: ${showValue(value)}`;
    })
    .join('; ');
}
