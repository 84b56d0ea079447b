import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { adapterPorts } from '../src/cli/commands/diagnose.js';
import { diagnoseFleet, groupPairs, loadRules, type DiagnosePorts } from '../src/diagnose/index.js';
import { shippedRunbooksDir } from '../src/runbook/read-runbook.js';
import { readTargetsFile } from '../src/runtime/targets/index.js';
const dir = mkdtempSync(join(tmpdir(), 'agprof-'));
const targets = join(dir, 't.yaml');
const pairs = Number(process.argv[2] ?? 100);
const child = spawn(process.execPath, ['.scratch-diagnose/dist/cli.js', 'lab', 'up', '--pairs', String(pairs), '--base-port', '0', '--scenario', 'healthy', '--targets-out', targets, '--state-file', join(dir, 'l.json'), '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
const line = await new Promise<string>((r) => createInterface({ input: child.stdout! }).once('line', r));
const env = (JSON.parse(line) as { env: Record<string, string> }).env;
let t = performance.now(); const rules = loadRules({ runbooksDir: shippedRunbooksDir() }); console.log('rules', performance.now() - t);
const base = await adapterPorts({ ...process.env, ...env });
const stats: Record<string, number[]> = {};
const rec = (k: string, ms: number) => (stats[k] ??= []).push(ms);
const ports: DiagnosePorts = {
  ...base,
  async openSql(c) { const t0 = performance.now(); const tgt = await base.openSql(c); rec('connect', performance.now() - t0);
    return { ...tgt, role: tgt.role, server: tgt.server, describe: () => tgt.describe(), close: () => tgt.close(), acquireLock: tgt.acquireLock.bind(tgt), releaseLock: tgt.releaseLock.bind(tgt),
      async query(q, p, o) { const t1 = performance.now(); try { return await tgt.query(q, p, o); } finally { rec(q.length > 500 ? 'snapshot' : 'query', performance.now() - t1); } } };
  },
  openArm(c) { const a = base.openArm(c); return { role: a.role, describe: () => a.describe(), async call(...args) { const t0 = performance.now(); try { return await a.call(...args); } finally { rec('arm', performance.now() - t0); } } }; },
};
const { pairs: specs } = groupPairs(readTargetsFile(targets).targets);
for (const conc of [16, 64]) {
  for (const k of Object.keys(stats)) delete stats[k];
  t = performance.now();
  await diagnoseFleet(specs, ports, { rules, targetsFile: targets, sampleMs: 0, concurrency: conc });
  console.log('conc', conc, 'total', (performance.now() - t).toFixed(0));
  for (const [k, v] of Object.entries(stats)) { v.sort((a, b) => a - b); console.log(' ', k, v.length, 'median', v[v.length >> 1]!.toFixed(1), 'max', v.at(-1)!.toFixed(1), 'sum', v.reduce((a, b) => a + b, 0).toFixed(0)); }
}
child.kill('SIGINT');
