/**
 * `agmedic lab up` runs the lab in a second process and keeps this one free. Signal handlers are
 * JavaScript and run only when the event loop is free; one slow statement in the lab (or anything
 * else that holds its loop) used to make SIGTERM and Ctrl-C wait for it — minutes, in issue 14.
 * This process does nothing but wait, so it always hears the signal: it asks the lab to stop,
 * kills it if it has not closed within {@link STOP_GRACE_MS}, and removes the state file the lab
 * could not remove itself. bin/agmedic.js comes straight here before loading anything else, and
 * this process makes the lab's certificate on the other core while the lab's process starts.
 *
 * A worker thread instead of the second process starts faster, and was tried: under load a stop
 * often never ended (the worker's exit racing the process's own exit hung the process on Node 20,
 * 6 of 25 SIGTERMs in bench-like load), so the lab is a process again.
 */
import { readFileSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import type { LabCertificate } from '../../lab/tds/generate-lab-certificate.js';

/** Set (to the supervisor's pid) in the environment of the process that runs the lab. */
const LAB_PROCESS_ENV = 'AGMEDIC_LAB_SUPERVISOR';
/** How long the lab gets to close cleanly after a signal before it is killed. */
const STOP_GRACE_MS = 400;
/** The longest this process then waits for the lab's process to end before exiting anyway. */
const EXIT_WAIT_MS = 2_000;

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What the supervisor sends the lab's process: its certificate (first), then stop. */
type ToLab = { type: 'certificate'; certificate: LabCertificate } | { type: 'certificate'; error: string } | { type: 'stop' };
/** What the lab's process tells the supervisor: its state file once it has parsed its options, then that it has closed. */
type FromLab = { type: 'state-file'; stateFile: string; json: boolean } | { type: 'closed' };

/** Whether this process is the one that should run the lab itself (started by the supervisor). */
export function isLabThread(): boolean {
  return process.env[LAB_PROCESS_ENV] !== undefined && typeof process.send === 'function';
}

/**
 * The supervisor's side: starts the lab's process on `entry` (the CLI's file) with `argv`, and
 * returns the exit code once it has ended — by itself, or stopped by a signal.
 *
 * @example
 * process.exit(await superviseLab(process.argv.slice(2), process.argv[1]!));
 */
export async function superviseLab(argv: readonly string[], entry: string, out: (line: string) => void = (l) => process.stdout.write(`${l}\n`), err: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<number> {
  const worker = spawn(process.execPath, [...process.execArgv, entry, ...argv], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, [LAB_PROCESS_ENV]: String(process.pid) },
  });
  let state: Extract<FromLab, { type: 'state-file' }> | undefined;
  let closed = false;
  worker.on('message', (m: FromLab) => {
    if (m.type === 'state-file') state = m;
    else closed = true;
  });
  const exited = new Promise<number>((resolve) => worker.once('exit', (code) => resolve(code ?? 0)));
  // The lab's process could not be started at all.
  worker.on('error', (e) => err(`agmedic lab: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
  const send = (m: ToLab): void => {
    if (worker.connected) worker.send(m);
  };
  void makeCertificate().then(send);

  const first = await Promise.race([exited, untilSignal().then(() => 'signal' as const)]);
  if (first !== 'signal') {
    process.removeAllListeners('SIGINT');
    process.removeAllListeners('SIGTERM');
    return first;
  }
  // A second signal (Ctrl-C, then SIGTERM from a service manager) must not kill the process halfway.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  send({ type: 'stop' });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), STOP_GRACE_MS);
  });
  const end = await Promise.race([exited, late]);
  clearTimeout(timer);
  if (end !== 'late') return end;
  // A lab that has closed is only slow to exit (a loaded machine): that is waited for; one that
  // has not (a statement holding its loop) is killed.
  if (closed) return Promise.race([exited, delay(EXIT_WAIT_MS).then(() => 0)]);
  worker.kill('SIGKILL');
  await Promise.race([exited, delay(EXIT_WAIT_MS)]);
  // The lab's process wrote the state file under its pid; killed, it could not remove it.
  if (state !== undefined) removeStateFileOf(state.stateFile, worker.pid);
  if (state?.json !== true) out(`agmedic lab: stopped (it did not stop within ${STOP_GRACE_MS} ms)`);
  return 0;
}

async function makeCertificate(): Promise<ToLab> {
  try {
    const [{ generateLabCertificate }, { labCertificateHosts }] = await Promise.all([import('../../lab/tds/generate-lab-certificate.js'), import('../../lab/defaults.js')]);
    return { type: 'certificate', certificate: await generateLabCertificate(labCertificateHosts()) };
  } catch (e) {
    return { type: 'certificate', error: e instanceof Error ? e.message : String(e) };
  }
}

/** Resolves when this process gets SIGINT or SIGTERM. */
function untilSignal(): Promise<void> {
  return new Promise((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
  });
}

/**
 * In the lab's process: tells the supervisor which state file to clean up if the lab cannot, then
 * waits for the certificate it made; undefined when told to stop first. Returns the supervisor's
 * error (as the `LAB_TLS` message) when it could not make one.
 */
export function announceAndReceiveCertificate(stateFile: string, json: boolean): Promise<LabCertificate | { error: string } | undefined> {
  process.send?.({ type: 'state-file', stateFile, json } satisfies FromLab);
  return new Promise((resolve) => {
    const onMessage = (m: ToLab): void => {
      process.off('message', onMessage);
      resolve(m.type === 'stop' ? undefined : 'error' in m ? { error: m.error } : m.certificate);
    };
    process.on('message', onMessage);
  });
}

/** In the lab's process: tells the supervisor the lab has closed and cleaned up; only the exit is left. */
export function announceClosed(): void {
  process.send?.({ type: 'closed' } satisfies FromLab);
}

/** In the lab's process: resolves when the supervisor says stop, or is gone. */
export function untilStopped(): Promise<void> {
  return new Promise((done) => {
    process.once('message', () => done());
    process.once('disconnect', () => done());
  });
}

/** Removes the state file if `pid` wrote it (another `lab up` may have taken it over since). */
export function removeStateFileOf(file: string, pid: number | undefined): void {
  try {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { pid?: number };
    if (pid !== undefined && doc.pid === pid) rmSync(file, { force: true });
  } catch {
    // already gone or unreadable: nothing of ours to clean up
  }
}
