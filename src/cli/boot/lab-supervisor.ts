/**
 * `agmedic lab up` runs the lab in a worker thread and keeps the main thread free. Signal handlers
 * are JavaScript and run only when the event loop is free; one slow statement in the lab (or
 * anything else that holds its loop) used to make SIGTERM and Ctrl-C wait for it — minutes, in
 * issue 14. The main thread does nothing but wait, so it always hears the signal: it asks the lab
 * to stop, terminates its thread if it has not within {@link STOP_GRACE_MS} (V8 interrupts even a
 * running statement), and removes the state file the lab could not remove itself.
 *
 * A thread rather than a second process (as before), and started before anything else is loaded
 * (bin/agmedic.js comes straight here): one Node start instead of two, most of `lab up`'s time to
 * accepting connections (issue 13). The thread runs the same command line (it parses the options,
 * reports the state file it will write, and prints everything); its output reaches this process's
 * stdout and stderr. Meanwhile this thread makes the lab's certificate on the other core.
 */
import { readFileSync, rmSync } from 'node:fs';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import type { LabCertificate } from '../../lab/tds/generate-lab-certificate.js';

/** Marks the worker thread that runs the lab (its workerData). */
const LAB_THREAD = 'agmedic-lab-thread';
/** How long the lab gets to close cleanly after a signal before its thread is terminated. */
const STOP_GRACE_MS = 400;

/** What the main thread sends the lab's thread: its certificate (first), then stop. */
type ToLab = { type: 'certificate'; certificate: LabCertificate } | { type: 'certificate'; error: string } | { type: 'stop' };
/** What the lab's thread tells the main thread once it has parsed its options. */
type FromLab = { type: 'state-file'; stateFile: string; json: boolean };

/** Whether this code runs in the thread that should run the lab itself. */
export function isLabThread(): boolean {
  return (workerData as Record<string, unknown> | null)?.[LAB_THREAD] === true;
}

/**
 * The main thread's side: starts the lab's thread on `entry` (the CLI's file) with `argv`, and
 * returns the exit code once it has ended — by itself, or stopped by a signal.
 *
 * @example
 * process.exit(await superviseLab(process.argv.slice(2), process.argv[1]!));
 */
export async function superviseLab(argv: readonly string[], entry: string, out: (line: string) => void = (l) => process.stdout.write(`${l}\n`), err: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<number> {
  const worker = new Worker(entry, { argv: [...argv], workerData: { [LAB_THREAD]: true } });
  let state: FromLab | undefined;
  worker.on('message', (m: FromLab) => {
    if (m.type === 'state-file') state = m;
  });
  const exited = new Promise<number>((resolve) => worker.once('exit', (code) => resolve(code)));
  // An error the lab's thread did not catch: shown as a crash of the process would be.
  worker.on('error', (e) => err(`agmedic lab: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
  void makeCertificate().then((message) => worker.postMessage(message));

  const first = await Promise.race([exited, untilSignal().then(() => 'signal' as const)]);
  if (first !== 'signal') {
    process.removeAllListeners('SIGINT');
    process.removeAllListeners('SIGTERM');
    return first;
  }
  // A second signal (Ctrl-C, then SIGTERM from a service manager) must not kill the process halfway.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  worker.postMessage({ type: 'stop' } satisfies ToLab);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), STOP_GRACE_MS);
  });
  const end = await Promise.race([exited, late]);
  clearTimeout(timer);
  if (end !== 'late') return end;
  await worker.terminate();
  // The lab's thread wrote the state file under this process's pid; it could not remove it.
  if (state !== undefined) removeStateFileOf(state.stateFile, process.pid);
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

/** Resolves when the process gets SIGINT or SIGTERM (main thread only: workers get no signals). */
function untilSignal(): Promise<void> {
  return new Promise((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
  });
}

/**
 * In the lab's thread: tells the main thread which state file to clean up if the lab cannot, then
 * waits for the certificate it made; undefined when told to stop first. Throws the main thread's
 * error (as the `LAB_TLS` message) when it could not make one.
 */
export function announceAndReceiveCertificate(stateFile: string, json: boolean): Promise<LabCertificate | { error: string } | undefined> {
  parentPort?.postMessage({ type: 'state-file', stateFile, json } satisfies FromLab);
  return new Promise((resolve) => {
    const onMessage = (m: ToLab): void => {
      parentPort?.off('message', onMessage);
      resolve(m.type === 'stop' ? undefined : 'error' in m ? { error: m.error } : m.certificate);
    };
    parentPort?.on('message', onMessage);
  });
}

/** In the lab's thread: resolves when the main thread says stop, or is gone. */
export function untilStopped(): Promise<void> {
  return new Promise((done) => {
    parentPort?.once('message', () => done());
    parentPort?.once('close', () => done());
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
