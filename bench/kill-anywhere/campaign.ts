/**
 * The kill-anywhere campaign (issue 14, "Done when"): every changing runbook runs unattended in its
 * own scenario as a separate process, which is SIGKILLed at a random moment or right after its k-th
 * changing SQL statement or ARM request reached the lab (before or just after the lab answered);
 * then `agmedic resume RUN_ID` runs until the run ends. A trial passes when the run ends with the
 * runbook's own outcome and the lab's statement log and ARM request log hold exactly the changes of
 * an uninterrupted run: none twice (a double execution), none missing.
 *
 * The lab runs in this process, so a kill is sent synchronously from inside the lab's statement
 * recorder — the earliest instant the change exists — with no polling gap.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { startLab, type Lab, type StartLabOptions } from '../../src/lab/index.js';
import { addTrustCertificate, removeTrustCertificate } from '../../src/lab/model/link-api.js';
import type { StatementLogEntry } from '../../src/lab/model/types.js';
import { approve, auditRecords, CHANGING, type E2eLab, type RunJson } from '../../test/e2e/helpers.js';
import type { ChildRunSpec } from './child.js';

const root = join(import.meta.dirname, '..', '..');
const LINK = 'SalesLink';

/** One changing runbook in the scenario it fixes, with what a person does along the way. */
export interface Case {
  name: string;
  runbook: string;
  scenario: string;
  params: Record<string, string>;
  /** Outcomes an uninterrupted run ends with. */
  outcomes: string[];
  /** The application owner's part before the run (stopping writes on the side to demote). */
  setup?: (lab: Lab) => void;
  /** A person's part during the run, driven by the prompts in the audit log (idempotent). */
  operator?: (e: E2eLab) => void;
}

export const CASES: Case[] = [
  {
    name: 'split-brain keep=mi',
    runbook: 'split-brain-recovery',
    scenario: 'split-brain',
    params: { link: LINK, keep: 'managedInstance', backup_path: 'D:\\Backup\\Sales_splitbrain.trn' },
    outcomes: ['fixed'],
    setup: (lab) => lab.world.setWorkload('SQL01', 0),
  },
  {
    name: 'split-brain keep=sqlserver',
    runbook: 'split-brain-recovery',
    scenario: 'split-brain',
    params: { link: LINK, keep: 'sqlserver', backup_url: 'https://labbackups.blob.core.windows.net/splitbrain/Sales_copyonly.bak' },
    outcomes: ['fixed'],
    setup: (lab) => lab.world.setWorkload('mi-lab', 0),
  },
  {
    name: 'certificate-rotation',
    runbook: 'certificate-rotation',
    scenario: 'cert-expired',
    params: { link: LINK, old_cert: 'SQL01_Link_Cert', new_cert: 'SQL01_Link_Cert_2027', subject: 'SQL01 link endpoint 2027', expiry: '20270601' },
    outcomes: ['fixed'],
    operator: (e) => {
      // The DBA uploads the new public key to the MI when asked, and later removes the old one.
      const world = e.lab.world;
      const trusts = (): string[] => world.instance('mi-lab').trustCertificates.map((c) => c.name);
      if (auditRecords(e, 'prompt', 'upload_trust').length > 0 && !trusts().includes('SQL01_Link_Cert_2027')) {
        const cert = world.instance('SQL01').certificates.find((c) => c.name === 'SQL01_Link_Cert_2027');
        if (cert) addTrustCertificate(world, 'mi-lab', 'SQL01_Link_Cert_2027', cert.publicKey);
      }
      if (auditRecords(e, 'prompt', 'remove_old_trust').length > 0 && trusts().includes('SQL01_Link_Cert')) {
        removeTrustCertificate(world, 'mi-lab', 'SQL01_Link_Cert');
      }
    },
  },
  {
    name: 'premature-log-truncation',
    runbook: 'premature-log-truncation',
    scenario: 'log-truncation',
    params: { link: LINK },
    outcomes: ['manual'],
  },
  {
    name: 'link-failover',
    runbook: 'link-failover',
    scenario: 'healthy',
    params: { link: LINK, to: 'managedInstance', sql_ag: 'AG_Sales', mi_ag: 'AG_Sales_MI' },
    outcomes: ['fixed'],
    setup: (lab) => lab.world.setWorkload('SQL01', 0),
  },
];

/** Where the process dies. `reply: before` kills inside the lab's recorder, before it answers. */
export type KillPlan = { kind: 'after-change'; k: number; reply: 'before' | 'after' } | { kind: 'random'; ms: number } | { kind: 'none' };

export interface TrialResult {
  trial: number;
  case: string;
  plan: KillPlan;
  /** The run process died by SIGKILL (a kill point after the run ended never fires). */
  killed: boolean;
  /** The run had not created its journal yet when it died: it was started afresh. */
  restarted: boolean;
  resumes: number;
  inDoubt: number;
  outcome: string;
  doubleSql: string[];
  doubleArm: string[];
  missing: string[];
  ok: boolean;
  ms: number;
  detail?: string;
}

export interface CampaignOptions {
  trials: number;
  seed: number;
  /** The bundled child.js (see {@link bundleChild}). */
  childJs: string;
  speed?: number;
  parallel?: number;
  cases?: readonly Case[];
  /** Exactly these trials instead of the planned mix (the short version in npm test). */
  plans?: { case: string; plan: KillPlan }[];
  /** Passed to startLab: ARM operations that take this long (once the lab offers it). */
  armOperationDelayMs?: number;
  log?: (line: string) => void;
}

export interface CampaignReport {
  trials: TrialResult[];
  baselines: Record<string, { changes: string[]; ms: number; outcome: string }>;
}

/** A small seeded PRNG (mulberry32): the same seed, the same kill plan. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Bundles child.ts like the CLI (packages external), into node_modules/.cache. */
export async function bundleChild(): Promise<{ childJs: string; dispose(): void }> {
  const cache = join(root, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const outdir = mkdtempSync(join(cache, 'agmedic-kill-anywhere-'));
  await build({
    entryPoints: { child: join(root, 'bench/kill-anywhere/child.ts') },
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    define: { __AGMEDIC_VERSION__: '"kill-anywhere"' },
    logLevel: 'warning',
  });
  return { childJs: join(outdir, 'child.js'), dispose: () => rmSync(outdir, { recursive: true, force: true }) };
}

interface Proc {
  proc: ChildProcess;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

function spawnChild(childJs: string, args: string[], env: Record<string, string | undefined>): Proc {
  const proc = spawn(process.execPath, [childJs, ...args], { env: { ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    proc.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { proc, exit };
}

function parseReport(stdout: string, code: number | null): RunJson & { code?: string } {
  // The report is one (pretty-printed) JSON document; progress, if any, goes to stderr.
  const start = stdout.indexOf('{');
  try {
    return JSON.parse(start >= 0 ? stdout.slice(start) : '') as RunJson;
  } catch {
    return { outcome: `no-json (exit ${code})`, message: stdout.slice(-300), route: [], inDoubt: [], exitCode: code ?? -1, runId: '', auditFile: '', runDir: '' };
  }
}

/** Changes as comparable keys: successful changing statements and accepted ARM writes. */
function changeKeys(lab: Lab): string[] {
  const sql = lab.world.statementLog.filter((s) => CHANGING.test(s.text) && s.outcome.ok).map((s) => `sql ${s.instance}: ${s.text.replace(/\s+/g, ' ').trim()}`);
  const arm = lab.arm.requests.filter((r) => r.method !== 'GET' && r.status < 300).map((r) => `arm ${r.method} ${r.path}`);
  return [...sql, ...arm];
}

function counts(keys: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

/** Calls `onChange` synchronously whenever a changing statement or ARM write is recorded. */
function watchChanges(lab: Lab, onChange: () => void): void {
  const world = lab.world;
  const record = world.recordStatement.bind(world);
  world.recordStatement = (entry: StatementLogEntry) => {
    record(entry);
    if (CHANGING.test(entry.text)) onChange();
  };
  const log = lab.arm.requests as unknown as { push: (...r: { method: string }[]) => number };
  const push = log.push.bind(log);
  log.push = (...records) => {
    const n = push(...records);
    if (records.some((r) => r.method !== 'GET')) onChange();
    return n;
  };
}

async function startCaseLab(c: Case, speed: number, armOperationDelayMs: number | undefined): Promise<E2eLab> {
  const home = mkdtempSync(join(tmpdir(), 'agmedic-ka-'));
  // ARM operations that take seconds, as Azure's do: a kill lands while the operation is still running.
  const options: StartLabOptions = { scenario: c.scenario, speed, ...(armOperationDelayMs ? { armOpSeconds: armOperationDelayMs / 1000 } : {}) };
  const lab = await startLab(options);
  c.setup?.(lab);
  const { targets } = lab.writeTargets(join(home, 'targets.yaml'));
  const env = { ...process.env, AGMEDIC_HOME: home, AGMEDIC_LAB_PASSWORD: lab.password, AGMEDIC_LAB_ARM_TOKEN: lab.armToken, AGMEDIC_OPERATOR: 'kill-anywhere', AGMEDIC_KA_SPEED: String(speed) };
  return {
    lab,
    home,
    targets,
    env,
    speed,
    close: async () => {
      await lab.close();
      if (!process.env.AGMEDIC_KA_KEEP) rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Calls `then` as soon as the run's folder appears under AGMEDIC_HOME/runs (polled every 5 ms). */
function whenRunExists(home: string, run: Proc, then: () => void): { stop(): void } {
  const poll = setInterval(() => {
    if (runIds(home).length > 0) {
      clearInterval(poll);
      then();
    }
  }, 5);
  void run.exit.then(() => clearInterval(poll));
  return { stop: () => clearInterval(poll) };
}

function runIds(home: string): string[] {
  const dir = join(home, 'runs');
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** One trial: run (killed per plan), resume until the run ends, compare with the baseline. */
export async function runTrial(trial: number, c: Case, plan: KillPlan, baseline: string[] | undefined, opts: CampaignOptions): Promise<TrialResult> {
  const t0 = performance.now();
  const e = await startCaseLab(c, opts.speed ?? 100, opts.armOperationDelayMs);
  const result: TrialResult = { trial, case: c.name, plan, killed: false, restarted: false, resumes: 0, inDoubt: 0, outcome: '?', doubleSql: [], doubleArm: [], missing: [], ok: false, ms: 0 };
  const operator = c.operator ? setInterval(() => c.operator!(e), 15) : undefined;
  try {
    const { approval, trustedKeys } = approve(e, c.runbook, c.params);
    const spec: ChildRunSpec = { runbook: c.runbook, params: c.params, targets: e.targets, approval, trustedKeys };
    const run = spawnChild(opts.childJs, ['run', JSON.stringify(spec)], e.env);
    let seen = 0;
    const kill = (): void => {
      if (run.proc.exitCode === null && run.proc.signalCode === null) run.proc.kill('SIGKILL');
    };
    if (plan.kind === 'after-change') {
      watchChanges(e.lab, () => {
        seen++;
        if (seen !== plan.k) return;
        if (plan.reply === 'before') kill();
        else setImmediate(kill);
      });
    }
    // A random instant of the run itself: counted from the moment its journal exists (process start
    // is seconds on a loaded machine, and a kill there only proves that nothing was sent).
    let timer: NodeJS.Timeout | undefined;
    const started = plan.kind === 'random' ? whenRunExists(e.home, run, () => (timer = setTimeout(kill, plan.ms))) : undefined;
    const first = await run.exit;
    started?.stop();
    clearTimeout(timer);
    let report = parseReport(first.stdout, first.code);
    result.killed = first.signal === 'SIGKILL';
    if (result.killed) {
      const ids = runIds(e.home);
      if (ids.length === 0) {
        // Killed before the run existed: nothing can have been sent; a person starts it again.
        result.restarted = true;
        const again = await spawnChild(opts.childJs, ['run', JSON.stringify(spec)], e.env).exit;
        report = parseReport(again.stdout, again.code);
      } else {
        const runId = ids[0]!;
        for (let i = 0; i < 3; i++) {
          result.resumes++;
          const r = await spawnChild(opts.childJs, ['resume', runId], e.env).exit;
          report = parseReport(r.stdout, r.code);
          result.inDoubt += report.inDoubt?.length ?? 0;
          // A resume that itself ended resumably (a lost connection) is resumed again.
          if (c.outcomes.includes(report.outcome) || !/interrupted|resumable|connection/i.test(`${report.outcome} ${report.message}`)) break;
        }
        if (report.outcome === 'error') result.detail = `${(report as { code?: string }).code}: ${report.message}`;
      }
    }
    result.outcome = report.outcome;
    const actual = counts(changeKeys(e.lab));
    if (baseline) {
      const expected = counts(baseline);
      for (const [k, n] of actual) {
        const extra = n - (expected.get(k) ?? 0);
        for (let i = 0; i < extra; i++) (k.startsWith('arm ') ? result.doubleArm : result.doubleSql).push(k);
      }
      for (const [k, n] of expected) if ((actual.get(k) ?? 0) < n) result.missing.push(k);
    }
    result.ok = c.outcomes.includes(result.outcome) && result.doubleSql.length === 0 && result.doubleArm.length === 0 && result.missing.length === 0;
    if (!result.ok && !result.detail) result.detail = report.message?.slice(0, 300);
    return result;
  } finally {
    if (operator) clearInterval(operator);
    result.ms = Math.round(performance.now() - t0);
    await e.close();
  }
}

/** The kill plans of a campaign: every change point before and after the reply, then random instants. */
export function planTrials(n: number, seed: number, cases: readonly Case[], baselines: CampaignReport['baselines']): { c: Case; plan: KillPlan }[] {
  const random = rng(seed);
  const systematic: { c: Case; plan: KillPlan }[] = [];
  for (const c of cases) {
    const points = baselines[c.name]!.changes.length;
    for (let k = 1; k <= points; k++) for (const reply of ['before', 'after'] as const) systematic.push({ c, plan: { kind: 'after-change', k, reply } });
  }
  const out: { c: Case; plan: KillPlan }[] = [];
  // Half the trials (at least every change point once) are kills at change points; the rest random instants.
  const wantSystematic = Math.max(Math.min(systematic.length, n), Math.ceil(n / 2));
  for (let i = 0; i < wantSystematic && out.length < n; i++) out.push(systematic[i % systematic.length]!);
  while (out.length < n) {
    const c = cases[Math.floor(random() * cases.length)]!;
    // Up to the uninterrupted run's length (from its journal's creation) plus 10 %.
    out.push({ c, plan: { kind: 'random', ms: Math.round(random() * baselines[c.name]!.ms * 1.1) } });
  }
  // Shuffled (seeded) so a parallel campaign mixes cases.
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

async function pool<T, R>(items: T[], parallel: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, parallel) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

/** Baselines (one uninterrupted run per case), then the trials. */
export async function runCampaign(opts: CampaignOptions): Promise<CampaignReport> {
  const cases = opts.cases ?? CASES;
  const log = opts.log ?? (() => undefined);
  const baselines: CampaignReport['baselines'] = {};
  await pool([...cases], opts.parallel ?? 1, async (c) => {
    let changes: string[] = [];
    const t0 = performance.now();
    const e = await startCaseLab(c, opts.speed ?? 100, opts.armOperationDelayMs);
    const operator = c.operator ? setInterval(() => c.operator!(e), 15) : undefined;
    try {
      const { approval, trustedKeys } = approve(e, c.runbook, c.params, 'baseline');
      let t1 = performance.now();
      const proc = spawnChild(opts.childJs, ['run', JSON.stringify({ runbook: c.runbook, params: c.params, targets: e.targets, approval, trustedKeys })], e.env);
      whenRunExists(e.home, proc, () => (t1 = performance.now()));
      const done = await proc.exit;
      const report = parseReport(done.stdout, done.code);
      changes = changeKeys(e.lab);
      baselines[c.name] = { changes, ms: Math.round(performance.now() - t1), outcome: report.outcome };
      if (!c.outcomes.includes(report.outcome)) throw new Error(`baseline ${c.name} ended ${report.outcome}: ${report.message} ${done.stderr}`);
    } finally {
      if (operator) clearInterval(operator);
      await e.close();
    }
    log(`baseline ${c.name}: ${baselines[c.name]!.outcome}, run ${baselines[c.name]!.ms} ms (+ ${Math.round(performance.now() - t0 - baselines[c.name]!.ms)} ms lab and process start), changes: ${changes.join(' | ')}`);
  });
  const plans = opts.plans
    ? opts.plans.map((p) => ({ c: cases.find((c) => c.name === p.case)!, plan: p.plan }))
    : planTrials(opts.trials, opts.seed, cases, baselines);
  const trials = await pool(plans, opts.parallel ?? 1, async ({ c, plan }, i) => {
    const r = await runTrial(i + 1, c, plan, baselines[c.name]!.changes, opts);
    log(formatTrial(r));
    return r;
  });
  return { trials, baselines };
}

export function formatTrial(r: TrialResult): string {
  const plan = r.plan.kind === 'after-change' ? `after change ${r.plan.k} (${r.plan.reply} reply)` : r.plan.kind === 'random' ? `at ${r.plan.ms} ms` : 'no kill';
  const how = r.killed ? (r.restarted ? 'killed before start, run again' : `killed, ${r.resumes} resume(s)${r.inDoubt ? `, ${r.inDoubt} in doubt` : ''}`) : 'ran to the end';
  const doubles = r.doubleSql.length + r.doubleArm.length;
  return `#${String(r.trial).padStart(3)} ${r.ok ? 'ok  ' : 'FAIL'} ${r.case.padEnd(26)} ${plan.padEnd(30)} ${how.padEnd(34)} → ${r.outcome}${doubles ? ` DOUBLE ${[...r.doubleSql, ...r.doubleArm].join('; ')}` : ''}${r.missing.length ? ` MISSING ${r.missing.join('; ')}` : ''} (${r.ms} ms)${!r.ok && r.detail ? ` — ${r.detail}` : ''}`;
}

/** The figures the issue asks for. */
export function summarize(report: CampaignReport): string {
  const t = report.trials;
  const killed = t.filter((r) => r.killed);
  const outcomes = new Map<string, number>();
  for (const r of t) outcomes.set(r.outcome, (outcomes.get(r.outcome) ?? 0) + 1);
  const byCase = new Map<string, number>();
  for (const r of t) byCase.set(r.case, (byCase.get(r.case) ?? 0) + 1);
  return [
    `trials: ${t.length} (${[...byCase].map(([k, v]) => `${k} ${v}`).join(', ')})`,
    `kill plans: ${t.filter((r) => r.plan.kind === 'after-change').length} right after a change (SQL statement or ARM request), ${t.filter((r) => r.plan.kind === 'random').length} at random instants of the run`,
    `ARM-change kills: ${t.filter((r) => r.plan.kind === 'after-change' && r.doubleArm.length > 0).length} re-sent the Azure change on resume (issue 14 item 1)`,
    `killed: ${killed.length} (${killed.filter((r) => r.restarted).length} before the run existed and were started again; ${t.length - killed.length} finished before their kill point)`,
    `resumed: ${killed.filter((r) => r.resumes > 0).length} runs, ${t.reduce((s, r) => s + r.resumes, 0)} resume calls, ${t.reduce((s, r) => s + r.inDoubt, 0)} in-doubt steps settled by verify`,
    `double executions: ${t.reduce((s, r) => s + r.doubleSql.length, 0)} SQL, ${t.reduce((s, r) => s + r.doubleArm.length, 0)} ARM; missing changes: ${t.reduce((s, r) => s + r.missing.length, 0)}`,
    `outcomes: ${[...outcomes].map(([k, v]) => `${k} ${v}`).join(', ')}`,
    // Known defects of issue 14 the campaign reproduces, so a reader can tell them from new ones.
    `failures by cause: ${t.filter((r) => r.doubleArm.length > 0).length} Azure change re-sent on resume (item 1), ${t.filter((r) => !r.ok && /AUDIT_WRITE.*held by process 0/.test(r.detail ?? '')).length} resume refused by an empty audit lock left by the kill (item 7, resumable after 60 s), ${t.filter((r) => !r.ok && r.doubleArm.length === 0 && !/AUDIT_WRITE.*held by process 0/.test(r.detail ?? '')).length} other`,
    `passed: ${t.filter((r) => r.ok).length}/${t.length}`,
  ].join('\n');
}
