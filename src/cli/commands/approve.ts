/**
 * `agmedic approve RUNBOOK …`: writes a signed approval for unattended runs, or with `--check FILE`
 * tells whether an approval covers a run (the same check `run --unattended` makes, exit 10–15).
 *
 * An approval is an allow-list: every parameter value the run may use is constrained. `-p k=v`
 * pins a value (defaults of parameters not given are pinned too, since the run uses them);
 * `--constraint k=/regex/`, `--constraint k=min..max` or repeated `--constraint k=value` (one of)
 * allow more than one value.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseDuration, resolveParameters } from '../../compile/index.js';
import type { ParamValue } from '../../compile/index.js';
import { AgmedicError } from '../../errors.js';
import type { Runbook } from '../../runbook/schema.js';
import {
  approvalArmName,
  authorizeUnattended,
  normaliseApprovalServer,
  signApproval,
  type ApprovalTarget,
  type ParameterConstraint,
} from '../../runtime/approval/index.js';
import { usesAzure } from '../uses-azure.js';
import { readTargetsFile } from '../../runtime/targets/index.js';
import { EXIT } from '../exit-codes.js';
import { loadUsableRunbook } from '../load-and-compile.js';
import type { Output } from '../output.js';
import { parseParamPairs } from '../parse-params.js';
import { approvalPlanSummary } from '../approval-summary.js';
import { approvalIdOf } from '../../runtime/approval/index.js';

export interface ApproveOptions {
  param: string[];
  constraint: string[];
  key?: string;
  approver?: string;
  /** Comma-separated servers (host, host,port or host:port), repeatable. */
  targets: string[];
  /** A targets file: every role the runbook uses is allowed. */
  targetsFile?: string;
  expires: string;
  out?: string;
  check?: string;
  trustedKeys?: string;
  /** --check only: judge as of this time instead of now. */
  at?: string;
  json?: boolean;
}

export async function approveCommand(ref: string, opts: ApproveOptions, output: Output, now: () => Date = () => new Date()): Promise<number> {
  const usable = loadUsableRunbook(ref);
  return opts.check !== undefined ? checkApproval(usable, opts.check, opts, output, now) : writeApproval(usable, opts, output, now);
}

async function writeApproval(usable: ReturnType<typeof loadUsableRunbook>, opts: ApproveOptions, output: Output, now: () => Date): Promise<number> {
  const { runbook } = usable;
  if (!opts.key) throw new AgmedicError('USAGE', 'approve needs --key PRIVATE_KEY (made by agmedic keygen)');
  if (!opts.approver?.trim()) throw new AgmedicError('USAGE', 'approve needs --approver NAME: who takes responsibility for unattended runs');
  const servers = allowedServers(runbook, opts);
  if (servers.length === 0) throw new AgmedicError('USAGE', 'approve needs --targets SERVER,… or -t targets.yaml: the servers unattended runs may touch');
  const parameters = constraintsFor(runbook, opts);
  const issuedAt = now();
  const expiresAt = expiryOf(opts.expires, issuedAt);
  // The approver sees what they sign for before the key is used; with the approval JSON on stdout, on stderr.
  const summary = approvalPlanSummary(usable, parameters);
  if (opts.out && !opts.json) output.out(summary.join('\n'));
  else output.err(summary.join('\n'));
  let privateKeyPem: string;
  try {
    privateKeyPem = await readFile(opts.key, 'utf8');
  } catch (err) {
    throw new AgmedicError('KEY_FILE', `cannot read private key ${opts.key}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const approval = signApproval(
    { runbook: { name: runbook.metadata.name, sha256: usable.sha256 }, targets: servers, parameters, approver: opts.approver.trim(), issuedAt, expiresAt },
    privateKeyPem,
  );
  const text = `${JSON.stringify(approval, null, 2)}\n`;
  if (opts.out) {
    try {
      await writeFile(opts.out, text, { mode: 0o644 });
    } catch (err) {
      throw new AgmedicError('FILE_READ', `cannot write the approval to ${opts.out}: ${(err as Error).message}`, { cause: err });
    }
    const w = Math.max(9, ...Object.keys(approval.parameters).map((k) => k.length + 1));
    const row = (k: string, v: string) => `  ${k.padEnd(w)} ${v}`;
    const summary = [
      `approved ${approval.runbook.name} (sha256 ${approval.runbook.sha256.slice(0, 12)}…) for unattended runs: approval ${approvalIdOf(approval)}`,
      row('by', `${approval.approver} (key ${approval.keyId})`),
      row('targets', approval.targets.join('  ')),
      ...Object.entries(approval.parameters).map(([k, c]) => row(k, describeConstraint(c))),
      row('expires', approval.expiresAt),
      `to withdraw it before then: add ${approvalIdOf(approval)} to $AGMEDIC_HOME/revoked-approvals`,
      `written to ${opts.out}`,
    ];
    output.out(opts.json ? text : summary.join('\n'));
  } else {
    output.out(text);
  }
  return EXIT.ok;
}

async function checkApproval(usable: ReturnType<typeof loadUsableRunbook>, file: string, opts: ApproveOptions, output: Output, now: () => Date): Promise<number> {
  const { runbook } = usable;
  const resolved = resolveParameters(runbook, parseParamPairs(opts.param));
  const problems = resolved.diagnostics.filter((d) => d.severity === 'error');
  if (problems.length) throw AgmedicError.fromDiagnostics(problems, 'parameters do not fit the runbook');
  const targets = checkTargets(runbook, opts);
  if (targets.length === 0) throw new AgmedicError('USAGE', 'approve --check needs the run\'s targets: -t targets.yaml or --targets SERVER,…');
  const at = opts.at !== undefined ? parseTime(opts.at, '--at') : now();
  const { audit } = await authorizeUnattended({
    approvalPath: file,
    ...(opts.trustedKeys !== undefined ? { trustedKeys: opts.trustedKeys } : {}),
    runbook: { name: runbook.metadata.name, sha256: usable.sha256 },
    targets,
    parameters: resolved.values,
    now: at,
  });
  output.out(
    opts.json
      ? JSON.stringify({ ok: true, ...audit }, null, 2)
      : `${file} approves this run of ${runbook.metadata.name}: signed by ${audit.approver} (key ${audit.keyId}), valid until ${audit.expiresAt}`,
  );
  return EXIT.ok;
}

function allowedServers(runbook: Runbook, opts: ApproveOptions): string[] {
  const out = new Set<string>();
  for (const t of targetsFromFile(runbook, opts.targetsFile)) {
    out.add(`${t.server.toLowerCase()},${t.port}`);
    if (t.arm !== undefined) out.add(t.arm);
  }
  for (const s of splitServers(opts.targets)) out.add(normaliseApprovalServer(s));
  return [...out];
}

function checkTargets(runbook: Runbook, opts: ApproveOptions): ApprovalTarget[] {
  // As `run` asks: the ARM resource only for a runbook that calls ARM.
  const fromFile = targetsFromFile(runbook, opts.targetsFile).map(({ arm, ...t }) => (arm !== undefined && usesAzure(runbook) ? { ...t, arm } : t));
  const listed = splitServers(opts.targets).map((s, i): ApprovalTarget => {
    const name = normaliseApprovalServer(s);
    const comma = name.lastIndexOf(',');
    return { role: `target${i + 1}`, server: name.slice(0, comma), port: Number(name.slice(comma + 1)) };
  });
  return [...fromFile, ...listed];
}

function targetsFromFile(runbook: Runbook, file: string | undefined): ApprovalTarget[] {
  if (file === undefined) return [];
  const { targets } = readTargetsFile(file);
  return runbook.targets.map((role) => {
    const t = targets[role];
    if (!t) throw new AgmedicError('TARGET_MISSING', `${file} has no target "${role}", which runbook ${runbook.metadata.name} uses`, { details: { role } });
    // The managed instance's ARM resource is approved with it: a run of an Azure-using runbook needs it.
    return { role, server: t.server, port: t.port, ...(t.azure ? { arm: approvalArmName(t.azure) } : {}) };
  });
}

/**
 * `--targets a,b --targets c`: commas separate servers, except that a number right after a host
 * is that host's port (`sql01,1433` is one server, as SQL Server clients write it).
 */
export function splitServers(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    for (const part of v.split(',').map((p) => p.trim()).filter(Boolean)) {
      if (/^\d{1,5}$/.test(part) && out.length && !/[,:]\d+$/.test(out[out.length - 1]!)) out[out.length - 1] += `,${part}`;
      else out.push(part);
    }
  }
  return out;
}

function constraintsFor(runbook: Runbook, opts: ApproveOptions): Record<string, ParameterConstraint> {
  const constrained: Record<string, ParameterConstraint> = {};
  const equalsSeen: Record<string, ParamValue[]> = {};
  for (const raw of opts.constraint) {
    const eq = raw.indexOf('=');
    if (eq <= 0) throw new AgmedicError('USAGE', `--constraint expects name=value, name=/regex/ or name=min..max; got "${raw}"`);
    const name = raw.slice(0, eq);
    const spec = raw.slice(eq + 1);
    const p = runbook.parameters[name];
    if (!p) throw new AgmedicError('UNKNOWN_PARAM_VALUE', `--constraint ${name}: the runbook has no parameter "${name}"`);
    const regex = /^\/(.*)\/$/s.exec(spec);
    const range = /^(-?\d+)\.\.(-?\d+)$/.exec(spec);
    if (regex) {
      if (p.type === 'int' || p.type === 'bool') throw new AgmedicError('USAGE', `--constraint ${name}: a regular expression applies to text; ${name} is ${p.type}`);
      try {
        new RegExp(regex[1]!, 'u');
      } catch {
        throw new AgmedicError('USAGE', `--constraint ${name}: ${regex[1]} is not a valid regular expression`);
      }
      constrained[name] = { ...constrained[name], pattern: regex[1]! };
    } else if (range && p.type === 'int') {
      constrained[name] = { ...constrained[name], min: Number(range[1]), max: Number(range[2]) };
    } else {
      (equalsSeen[name] ??= []).push(typedValue(runbook, name, spec));
    }
  }
  for (const [name, values] of Object.entries(equalsSeen)) {
    const unique = [...new Set(values)];
    constrained[name] = { ...constrained[name], ...(unique.length === 1 ? { equals: unique[0]! } : { oneOf: unique }) };
  }

  const given = parseParamPairs(opts.param);
  for (const name of Object.keys(given)) {
    if (name in constrained) throw new AgmedicError('USAGE', `parameter ${name} is given both with -p and --constraint; use one`);
  }
  const resolved = resolveParameters(runbook, given);
  const problems = resolved.diagnostics.filter(
    (d) => d.severity === 'error' && !(d.code === 'MISSING_PARAM' && typeof d.path?.[1] === 'string' && d.path[1] in constrained),
  );
  if (problems.length) throw AgmedicError.fromDiagnostics(problems, 'parameters do not fit the runbook');
  const out: Record<string, ParameterConstraint> = {};
  for (const name of Object.keys(runbook.parameters)) {
    if (constrained[name]) out[name] = constrained[name];
    else if (Object.hasOwn(resolved.values, name)) out[name] = { equals: resolved.values[name]! };
  }
  return out;
}

function typedValue(runbook: Runbook, name: string, raw: string): ParamValue {
  const { values, diagnostics } = resolveParameters({ ...runbook, parameters: { [name]: runbook.parameters[name]! } }, { [name]: raw });
  const bad = diagnostics.find((d) => d.code === 'BAD_PARAM_VALUE');
  if (bad) throw new AgmedicError('BAD_PARAM_VALUE', `--constraint ${name}: ${bad.message}`);
  return values[name]!;
}

function expiryOf(text: string, issuedAt: Date): Date {
  const ms = parseDuration(text);
  const at = ms !== undefined ? new Date(issuedAt.getTime() + ms) : parseTime(text, '--expires');
  if (at.getTime() <= issuedAt.getTime()) throw new AgmedicError('USAGE', `--expires ${text} is not in the future`);
  return at;
}

function parseTime(text: string, flag: string): Date {
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) throw new AgmedicError('USAGE', `${flag} ${text}: give a duration such as 24h or 7d, or an ISO time such as 2025-07-01T00:00:00Z`);
  return new Date(ms);
}

function describeConstraint(c: ParameterConstraint): string {
  const parts: string[] = [];
  if (c.equals !== undefined) parts.push(`= ${JSON.stringify(c.equals)}`);
  if (c.oneOf) parts.push(`one of ${c.oneOf.map((v) => JSON.stringify(v)).join(', ')}`);
  if (c.pattern !== undefined) parts.push(`matches /${c.pattern}/`);
  if (c.min !== undefined) parts.push(`≥ ${c.min}`);
  if (c.max !== undefined) parts.push(`≤ ${c.max}`);
  return parts.join(', ');
}
