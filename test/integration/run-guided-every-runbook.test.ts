/**
 * Every shipped runbook with actions, guided (the real runtime and a scripted Prompter) against its
 * incident in the lab — real mssql over TCP, the real ARM client, a fast lab clock:
 *
 * (a) declining each action in turn (one run per action: every earlier action runs, that one is
 *     declined) never ends "fixed": the run ends `manual` naming the declined step, lists it as
 *     skipped, and its statement / ARM call never reaches the lab (statement log, ARM request log),
 *     while the earlier actions reached it exactly once;
 * (b) at each destructive prompt, the evidence shown reflects a change made after the route had
 *     read it and before the prompt — by another mssql client (while the operator was at an earlier
 *     prompt) or by a lab fault applied the moment the route's last read before the prompt returned —
 *     and the prompt names the changed evidence.
 *
 * flow-control-tuning and seeding-monitor have no actions (asserted below). The compiled-graph
 * version of (a), for all routes at once: test/runbooks/earned-outcomes.test.ts.
 */
import type sql from 'mssql';
import { afterAll, describe, expect, test } from 'vitest';
import { runCommand } from '../../src/cli/commands/run.js';
import { memoryOutput } from '../../src/cli/output.js';
import type { StatementLogEntry } from '../../src/lab/model/types.js';
import type { ConfirmRequest, DecideRequest, Prompter } from '../../src/ports/prompter.js';
import { labTimers, startE2eLab, type E2eLab } from '../e2e/helpers.js';
import { readShipped, shippedFiles } from '../runbooks/helpers.js';
import { poolTracker } from './helpers/lab-client.js';

const LINK = 'SalesLink';
const pools = poolTracker();
afterAll(() => pools.closeAll());

/** What an action sends: a statement on one instance, or an ARM request. */
type Sent = { sql: RegExp; on: 'SQL01' | 'mi-lab' } | { arm: RegExp };
/** Sessions of the other clients (their statements are not agmedic's). */
const otherSessions = new WeakMap<E2eLab, Set<string>>();
const sentBy = (e: E2eLab, s: Sent, from: { sql: number; arm: number }): number =>
  'sql' in s
    ? e.lab
        .statementLog()
        .slice(from.sql)
        .filter((x) => x.instance === s.on && s.sql.test(x.text) && x.outcome.ok && !otherSessions.get(e)?.has(`${x.instance}/${x.spid}`)).length
    : e.lab.arm.requests.slice(from.arm).filter((r) => r.method !== 'GET' && s.arm.test(`${r.method} ${r.path}`)).length;

/** Another client: its own mssql pool (one connection), connected before it is needed. */
async function other(e: E2eLab, side: 'sqlserver' | 'mi'): Promise<sql.ConnectionPool> {
  const ep = side === 'sqlserver' ? e.lab.sqlserver : e.lab.mi;
  const pool = await pools.open(e.lab, ep);
  const { spid } = (await pool.request().query<{ spid: number }>('SELECT @@SPID AS spid')).recordset[0]!;
  if (!otherSessions.has(e)) otherSessions.set(e, new Set());
  otherSessions.get(e)!.add(`${ep.serverName}/${spid}`);
  return pool;
}

/**
 * Calls `fn` synchronously right after the lab records the first statement matching `match` once
 * armed — i.e. after the route's read returned and before agmedic sends its next statement.
 */
function afterStatement(e: E2eLab, match: (s: StatementLogEntry) => boolean, fn: () => void): { arm(): void; fired(): boolean } {
  let armed = false;
  let fired = false;
  const world = e.lab.world as unknown as { recordStatement(entry: StatementLogEntry): void };
  const record = world.recordStatement.bind(world);
  world.recordStatement = (entry) => {
    record(entry);
    if (armed && !fired && match(entry)) {
      fired = true;
      fn();
    }
  };
  return { arm: () => void (armed = true), fired: () => fired };
}

interface Case {
  runbook: string;
  scenario: string;
  params: Record<string, string>;
  /** The actions the run is asked to confirm, in route order, and what each sends. */
  actions: Array<[step: string, sends: Sent]>;
  setup?: (e: E2eLab) => Promise<void> | void;
}

interface Injection {
  /** Runs while the operator is at this earlier prompt (confirm or decide), before it is answered. */
  atPrompt?: Record<string, (e: E2eLab) => Promise<void>>;
  /** Checks what the declined (destructive) prompt showed. */
  expectEvidence?: (req: ConfirmRequest) => void;
}

const SB_MI = { link: LINK, keep: 'managedInstance', backup_path: 'D:\\Backup\\Sales_splitbrain.trn', failover_after: 'true' };
const SB_SQL = { link: LINK, keep: 'sqlserver', backup_url: 'https://labbackups.blob.core.windows.net/splitbrain/Sales_copyonly.bak', failover_after: 'true' };
/** The applications are stopped, as the runbooks ask before they check that nothing commits. */
const quiet = (e: E2eLab) => {
  e.lab.world.setWorkload('SQL01', 0);
  e.lab.world.setWorkload('mi-lab', 0);
};
const CERT = { link: LINK, old_cert: 'SQL01_Link_Cert', new_cert: 'SQL01_Link_Cert_2027', subject: 'SQL01 link endpoint 2027', expiry: '20270601' };
const LF = { link: LINK, sql_ag: 'AG_Sales', mi_ag: 'AG_Sales_MI' };
const DEMOTE = /^ALTER AVAILABILITY GROUP \[SalesLink\] SET \(ROLE = SECONDARY\)/;
const FAILOVER = /^ALTER AVAILABILITY GROUP \[SalesLink\] FAILOVER/;

const ev = (req: ConfirmRequest, label: string): unknown => req.evidence.find((x) => x.label === label)?.value;

const CASES: Record<string, Case> = {
  'split-brain-recovery keep=managedInstance': {
    runbook: 'split-brain-recovery',
    scenario: 'split-brain',
    params: SB_MI,
    setup: quiet,
    actions: [
      ['backup_sqlserver', { sql: /^BACKUP LOG \[Sales\]/, on: 'SQL01' }],
      ['demote_sqlserver', { sql: DEMOTE, on: 'SQL01' }],
      ['failover_from_mi', { sql: FAILOVER, on: 'mi-lab' }],
    ],
  },
  'split-brain-recovery keep=sqlserver': {
    runbook: 'split-brain-recovery',
    scenario: 'split-brain',
    params: SB_SQL,
    setup: quiet,
    actions: [
      ['backup_mi', { sql: /^BACKUP DATABASE \[Sales\] TO URL/, on: 'mi-lab' }],
      ['demote_mi', { sql: DEMOTE, on: 'mi-lab' }],
      ['failover_from_sqlserver', { sql: FAILOVER, on: 'SQL01' }],
    ],
  },
  'link-failover to=managedInstance': {
    runbook: 'link-failover',
    scenario: 'healthy',
    params: { ...LF, to: 'managedInstance' },
    setup: quiet,
    actions: [
      ['sync_sqlserver', { sql: /^ALTER AVAILABILITY GROUP \[SalesLink\]\s+MODIFY AVAILABILITY GROUP ON/, on: 'SQL01' }],
      ['sync_mi', { arm: /^PATCH .*\/distributedAvailabilityGroups\/SalesLink$/ }],
      ['failover_from_sqlserver', { sql: FAILOVER, on: 'SQL01' }],
    ],
  },
  'link-failover to=sqlserver (after a failover to the MI)': {
    runbook: 'link-failover',
    scenario: 'healthy',
    params: { ...LF, to: 'sqlserver' },
    // The lab starts with SQL Server primary: a guided failover to the MI first (every change run).
    setup: async (e) => {
      quiet(e);
      const r = await guided(e, 'link-failover', { ...LF, to: 'managedInstance' }, allowing());
      expect(r.result.outcome).toBe('fixed');
    },
    // Back to SQL Server 2022 the link stays asynchronous [FO]: the failover is the only action.
    actions: [['failover_from_mi', { sql: FAILOVER, on: 'mi-lab' }]],
  },
  'certificate-rotation': {
    runbook: 'certificate-rotation',
    scenario: 'cert-expired',
    params: CERT,
    actions: [
      ['create_cert', { sql: /^CREATE CERTIFICATE \[SQL01_Link_Cert_2027\]/, on: 'SQL01' }],
      ['upload_trust', { arm: /^PUT .*\/serverTrustCertificates\/SQL01_Link_Cert_2027$/ }],
      ['switch_endpoint_negotiate', { sql: /^ALTER ENDPOINT \[Hadr_endpoint\].*CERTIFICATE \[SQL01_Link_Cert_2027\]/, on: 'SQL01' }],
      ['remove_old_trust', { arm: /^DELETE .*\/serverTrustCertificates\/SQL01_Link_Cert$/ }],
      ['drop_old_cert', { sql: /^DROP CERTIFICATE \[SQL01_Link_Cert\]/, on: 'SQL01' }],
    ],
  },
  'premature-log-truncation': {
    runbook: 'premature-log-truncation',
    scenario: 'log-truncation',
    params: { link: LINK },
    actions: [
      ['drop_link_mi', { arm: /^DELETE .*\/distributedAvailabilityGroups\/SalesLink$/ }],
      ['drop_dag_sqlserver', { sql: /^DROP AVAILABILITY GROUP \[SalesLink\]/, on: 'SQL01' }],
    ],
  },
};

interface Scripted extends Prompter {
  confirms: string[];
  declined?: ConfirmRequest;
}

/** Runs every change except `decline`; decides as the policy would; runs `atPrompt` hooks first. */
function allowing(decline?: string, e?: E2eLab, inj: Injection = {}): Scripted {
  const p: Scripted = {
    kind: 'scripted',
    operator: 'tester',
    confirms: [],
    async confirm(req: ConfirmRequest) {
      p.confirms.push(req.step);
      await inj.atPrompt?.[req.step]?.(e!);
      if (req.step === decline) {
        p.declined = req;
        return { answer: 'skip' };
      }
      return req.typeToConfirm ? { answer: 'run', typed: req.typeToConfirm.expected } : { answer: 'run' };
    },
    async decide(req: DecideRequest) {
      await inj.atPrompt?.[req.step]?.(e!);
      return req.policyChoice === undefined ? { answer: 'abort' } : { answer: 'choose', index: req.policyChoice };
    },
  };
  return p;
}

interface Guided {
  code: number;
  result: { outcome: string; step: string; summary: { skipped: Array<{ step: string; reason: string }> } };
}

async function guided(e: E2eLab, runbook: string, params: Record<string, string>, prompter: Prompter): Promise<Guided> {
  const out = memoryOutput();
  const param = Object.entries(params).map(([k, v]) => `${k}=${v}`);
  const code = await runCommand(runbook, { param, targets: e.targets, json: true }, out, { prompter, env: e.env, interactive: true, timers: labTimers(e.speed) });
  return { code, result: JSON.parse(out.stdout) as Guided['result'] };
}

/** The fresh-evidence change for each destructive prompt (keyed `case name/step`). */
const INJECT: Record<string, (e: E2eLab) => Injection> = {
  // Another client demotes the managed instance while the operator is at the backup's prompt: the
  // route read both sides PRIMARY at its start and does not read roles again before the demotion.
  'split-brain-recovery keep=managedInstance/demote_sqlserver': () => ({
    atPrompt: { backup_sqlserver: async (x) => void (await (await other(x, 'mi')).request().batch('ALTER AVAILABILITY GROUP [SalesLink] SET (ROLE = SECONDARY)')) },
    expectEvidence: (req) => {
      expect(ev(req, 'roles.mi')).toEqual([{ link_name: LINK, role: 'SECONDARY' }]);
      expect(ev(req, 'roles.sqlserver')).toEqual([{ link_name: LINK, role: 'PRIMARY' }]);
      expect(req.evidenceChanged).toContain('roles');
    },
  }),
  'split-brain-recovery keep=sqlserver/demote_mi': () => ({
    atPrompt: { backup_mi: async (x) => void (await (await other(x, 'sqlserver')).request().batch('ALTER AVAILABILITY GROUP [SalesLink] SET (ROLE = SECONDARY)')) },
    expectEvidence: (req) => {
      expect(ev(req, 'roles.sqlserver')).toEqual([{ link_name: LINK, role: 'SECONDARY' }]);
      expect(ev(req, 'roles.mi')).toEqual([{ link_name: LINK, role: 'PRIMARY' }]);
      expect(req.evidenceChanged).toContain('roles');
    },
  }),
  // `lab fault partition` the moment the route's convergence re-read returns: the prompt's fresh
  // read sees the secondary disconnected.
  'split-brain-recovery keep=managedInstance/failover_from_mi': (e) => partitionAfter(e, 'stop_writes_kept', 'mi-lab', /AS converged/, (req) => {
    expect(req.evidenceChanged).toContain('converged_mi');
    expect(ev(req, 'converged_mi.mi')).toEqual([expect.objectContaining({ health: expect.not.stringMatching(/^HEALTHY$/) })]);
  }),
  'split-brain-recovery keep=sqlserver/failover_from_sqlserver': (e) => partitionAfter(e, 'stop_writes_kept', 'SQL01', /AS converged/, (req) => {
    expect(req.evidenceChanged).toContain('converged_sqlserver');
    expect(ev(req, 'converged_sqlserver.sqlserver')).toEqual([expect.objectContaining({ health: expect.not.stringMatching(/^HEALTHY$/) })]);
  }),
  // The fault lands after the prompt's fresh read of roles and before its read of link_state (both
  // read at the run's start): link_state shows the disconnection.
  'link-failover to=managedInstance/failover_from_sqlserver': (e) => partitionAfter(e, 'sync_mi', 'mi-lab', /role_desc AS role\b/, linkStateDisconnected),
  'link-failover to=sqlserver (after a failover to the MI)/failover_from_mi': (e) => partitionAfter(e, 'stop_workload', 'mi-lab', /role_desc AS role\b/, linkStateDisconnected),
  // Another DBA moves the endpoint to a third certificate while the operator is at the upload's
  // prompt; the route read the endpoint at its start only.
  'certificate-rotation/switch_endpoint_negotiate': () => ({
    atPrompt: { upload_trust: thirdCertificate },
    expectEvidence: (req) => {
      expect(req.evidenceChanged).toContain('endpoint_cert');
      expect(ev(req, 'endpoint_cert.sqlserver')).toEqual([expect.objectContaining({ cert_name: 'SQL01_Link_Cert_Other' })]);
    },
  }),
  // Another DBA moves the endpoint to a third certificate while the operator is at the trust removal.
  'certificate-rotation/drop_old_cert': () => ({
    atPrompt: { remove_old_trust: thirdCertificate },
    expectEvidence: (req) => {
      expect(req.evidenceChanged).toContain('endpoint_now');
      expect(ev(req, 'endpoint_now.sqlserver')).toEqual([{ cert_name: 'SQL01_Link_Cert_Other' }]);
    },
  }),
  // No prompt comes before this one: the moment the route's log_backups read returns, SQL Server's
  // statements are held (`lab fault delay-statements`) while another client switches the link to
  // synchronous commit on the managed instance; the prompt's fresh read of the link resource shows it.
  // (Dropping the link there instead makes the fresh ARM read 404 and the run end `aborted` before the
  // prompt — safe, nothing sent, but the operator never sees why: reported, not tested here.)
  'premature-log-truncation/drop_link_mi': (e) => {
    const mi = other(e, 'mi');
    const hook = afterStatement(e, (s) => s.instance === 'SQL01' && /AS backup_name/.test(s.text), () => {
      e.lab.control.delayStatements('sqlserver', 1000);
      void mi
        .then((c) => c.request().batch("ALTER AVAILABILITY GROUP [SalesLink] MODIFY AVAILABILITY GROUP ON 'AG_Sales' WITH (AVAILABILITY_MODE = SYNCHRONOUS_COMMIT), 'AG_Sales_MI' WITH (AVAILABILITY_MODE = SYNCHRONOUS_COMMIT)"))
        .finally(() => e.lab.control.delayStatements('sqlserver', 0));
    });
    hook.arm();
    return {
      expectEvidence: (req) => {
        expect(hook.fired()).toBe(true);
        expect(req.evidenceChanged).toContain('link_arm');
        expect(ev(req, 'link_arm.mi')).toMatchObject({ properties: { replicationMode: 'Sync' } });
      },
    };
  },
  // Another client drops the link on SQL Server after the MI drop's post-answer re-check read SQL
  // Server (the managed instance's verify is held meanwhile): the SQL Server drop's prompt shows it.
  'premature-log-truncation/drop_dag_sqlserver': (e) => {
    const sqlserver = other(e, 'sqlserver');
    let done: Promise<unknown> = Promise.resolve();
    const hook = afterStatement(e, (s) => s.instance === 'SQL01' && /AS attempts/.test(s.text), () => {
      e.lab.control.delayStatements('mi', 1000);
      done = sqlserver.then((c) => c.request().batch('DROP AVAILABILITY GROUP [SalesLink]')).finally(() => e.lab.control.delayStatements('mi', 0));
    });
    return {
      atPrompt: { drop_link_mi: async () => hook.arm() },
      expectEvidence: (req) => {
        expect(hook.fired()).toBe(true);
        void done;
        expect(req.evidenceChanged).toContain('dag_present');
        expect(ev(req, 'dag_present.sqlserver')).toEqual([]);
        expect(ev(req, 'dag_present.mi')).toEqual([]);
      },
    };
  },
};

/** Another DBA creates a third certificate and points the endpoint at it. */
async function thirdCertificate(e: E2eLab): Promise<void> {
  const c = await other(e, 'sqlserver');
  await c.request().batch("CREATE CERTIFICATE [SQL01_Link_Cert_Other] WITH SUBJECT = N'someone else', EXPIRY_DATE = '20280101'");
  await c.request().batch('ALTER ENDPOINT [Hadr_endpoint] FOR DATABASE_MIRRORING (AUTHENTICATION = WINDOWS NEGOTIATE CERTIFICATE [SQL01_Link_Cert_Other])');
}

function linkStateDisconnected(req: ConfirmRequest): void {
  expect(req.evidenceChanged).toContain('link_state');
  const rows = [...(ev(req, 'link_state.sqlserver') as Array<{ connected_state: string }>), ...(ev(req, 'link_state.mi') as Array<{ connected_state: string }>)];
  expect(rows.some((r) => r.connected_state === 'DISCONNECTED')).toBe(true);
}

/** `lab fault partition` right after the first statement on `on` matching `text` once the run has passed prompt `after`. */
function partitionAfter(e: E2eLab, after: string | undefined, on: string, text: RegExp, check: (req: ConfirmRequest) => void): Injection {
  const hook = afterStatement(e, (s) => s.instance === on && text.test(s.text), () => e.lab.control.partitionLink(true));
  if (after === undefined) hook.arm();
  return {
    ...(after === undefined ? {} : { atPrompt: { [after]: async () => hook.arm() } }),
    expectEvidence: (req) => {
      expect(hook.fired()).toBe(true);
      check(req);
    },
  };
}

describe('shipped runbooks without actions', () => {
  test('only flow-control-tuning and seeding-monitor have no action; every action of the others is declined below', () => {
    const covered = new Set(Object.values(CASES).flatMap((c) => c.actions.map(([s]) => `${c.runbook}/${s}`)));
    const withoutActions: string[] = [];
    const uncovered: string[] = [];
    for (const file of shippedFiles()) {
      const { runbook } = readShipped(file);
      const actions = runbook.steps.filter((s) => s.action).map((s) => `${runbook.metadata.name}/${s.id}`);
      if (actions.length === 0) withoutActions.push(runbook.metadata.name);
      uncovered.push(...actions.filter((a) => !covered.has(a)));
    }
    expect(withoutActions.sort()).toEqual(['flow-control-tuning', 'seeding-monitor']);
    // Not reachable in the lab: its `when` needs sys.database_mirroring_endpoints.connection_auth_desc
    // = 'CERTIFICATE', and the lab always reports 'NEGOTIATE, CERTIFICATE' (src/lab/sql/views-server.ts;
    // ALTER ENDPOINT … AUTHENTICATION = CERTIFICATE changes only the certificate). Its decline is
    // covered on the compiled graph only (test/runbooks/earned-outcomes.test.ts).
    expect(uncovered).toEqual(['certificate-rotation/switch_endpoint_cert_only']);
  });
});

const RUNS = Object.entries(CASES).flatMap(([name, c]) => c.actions.map(([step], k) => ({ name, step, k })));

describe.each(Object.keys(CASES))('%s', (name) => {
  const c = CASES[name]!;
  test.concurrent.each(RUNS.filter((r) => r.name === name).map((r) => [r.step, r.k] as const))(
    'declining %s (action #%i): not fixed, manual naming it, never sent; earlier actions sent once',
    async (step, k) => {
      const e = await startE2eLab(c.scenario);
      try {
        await c.setup?.(e);
        const from = { sql: e.lab.statementLog().length, arm: e.lab.arm.requests.length };
        const inj = INJECT[`${name}/${step}`]?.(e) ?? {};
        const prompter = allowing(step, e, inj);
        const { code, result } = await guided(e, c.runbook, c.params, prompter);
        expect(prompter.confirms).toEqual(c.actions.slice(0, k + 1).map(([s]) => s));
        expect(result.outcome).not.toBe('fixed');
        expect(result).toMatchObject({ outcome: 'manual', step });
        expect(code).toBe(5);
        // Declined: only this one (steps whose `when` was false are listed too, with that reason).
        expect(result.summary.skipped.filter((s) => s.reason === 'declined at the confirmation').map((s) => s.step)).toEqual([step]);
        expect(c.actions.map(([, sends]) => sentBy(e, sends, from))).toEqual(c.actions.map((_, i) => (i < k ? 1 : 0)));
        const destructive = prompter.declined!.impact === 'destructive';
        expect(destructive, `${step}: a fresh-evidence change for every destructive prompt`).toBe(INJECT[`${name}/${step}`] !== undefined);
        if (inj.expectEvidence) {
          expect(prompter.declined!.evidenceRead).toBeDefined();
          inj.expectEvidence(prompter.declined!);
        }
      } finally {
        await e.close();
      }
    },
    60_000,
  );
});
