/**
 * The run journal on disk: `<state dir>/runs/<RUN_ID>/` holds `manifest.json`, `journal.jsonl`
 * (one fsync'd line per intent, outcome or status), `snapshot.json` (replaced atomically by
 * write + rename) and `facts.jsonl` (query results, appended as they are recorded). Directories are 0700 and files 0600: a journal names servers and statements.
 */
import { appendFileSync, closeSync, fsyncSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { mkdir, open, readFile, writeFile, type FileHandle } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { AgmedicError } from '../errors.js';
import type { Journal, JournalEntry, JournalState, JournalStore, RunManifest } from '../ports/journal.js';

/** `$AGMEDIC_HOME`, by default `~/.agmedic`. */
export function defaultStateDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env.AGMEDIC_HOME || join(homedir(), '.agmedic');
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

class FileJournal implements Journal {
  constructor(
    readonly runId: string,
    readonly location: string,
    private readonly fh: FileHandle,
  ) {}

  async append(entry: JournalEntry): Promise<void> {
    try {
      await this.fh.appendFile(`${JSON.stringify(entry)}\n`);
      await this.fh.datasync();
    } catch (err) {
      throw new AgmedicError('AUDIT_WRITE', `cannot write the run journal in ${this.location}: ${(err as Error).message}`, { cause: err });
    }
  }

  saveSnapshot(snapshot: string, opts: { durable?: boolean } = {}): void {
    const file = join(this.location, 'snapshot.json');
    const tmp = `${file}.tmp`;
    if (opts.durable) {
      const fd = openSync(tmp, 'w', 0o600);
      try {
        writeSync(fd, snapshot);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } else writeFileSync(tmp, snapshot, { mode: 0o600 });
    renameSync(tmp, file);
  }

  appendFacts(lines: string): void {
    appendFileSync(join(this.location, 'facts.jsonl'), lines, { mode: 0o600 });
  }

  async read(): Promise<JournalState> {
    return readJournalDir(this.runId, this.location);
  }

  #closed = false;

  /** Idempotent: `run` closes it before reporting, and again (a no-op) in its cleanup. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.fh.close();
  }
}

async function readJournalDir(runId: string, dir: string): Promise<JournalState> {
  let manifestText: string;
  try {
    manifestText = await readFile(join(dir, 'manifest.json'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new AgmedicError('RUN_NOT_FOUND', `no run ${runId} in ${dir}`, { details: { runId } });
    throw new AgmedicError('RUN_NOT_FOUND', `cannot read run ${runId}: ${(err as Error).message}`, { cause: err });
  }
  const manifest = JSON.parse(manifestText) as RunManifest;
  const journalText = await readFile(join(dir, 'journal.jsonl'), 'utf8').catch(() => '');
  const entries: JournalEntry[] = [];
  for (const line of journalText.split('\n')) {
    if (line.trim() === '') continue;
    try {
      entries.push(JSON.parse(line) as JournalEntry);
    } catch {
      // A torn last line (killed mid-write) is ignored: its entry was never acknowledged.
    }
  }
  const snapshot = await readFile(join(dir, 'snapshot.json'), 'utf8').catch(() => undefined);
  const facts = await readFile(join(dir, 'facts.jsonl'), 'utf8').catch(() => undefined);
  return { manifest, entries, ...(snapshot === undefined ? {} : { snapshot }), ...(facts === undefined ? {} : { facts }) };
}

/**
 * Journals under `<stateDir>/runs/`.
 *
 * @example
 * const store = fileJournalStore(defaultStateDir());
 * const journal = await store.create(manifest);
 * journal.saveSnapshot(text);
 */
export function fileJournalStore(stateDir: string): JournalStore & { dirOf(runId: string): string } {
  const dirOf = (runId: string): string => {
    if (!SAFE_ID.test(runId)) throw new AgmedicError('RUN_NOT_FOUND', `"${runId}" is not a run id`, { details: { runId } });
    return join(stateDir, 'runs', runId);
  };
  const openJournal = async (runId: string): Promise<Journal> => {
    const dir = dirOf(runId);
    const fh = await open(join(dir, 'journal.jsonl'), 'a', 0o600);
    return new FileJournal(runId, dir, fh);
  };
  return {
    dirOf,
    async create(manifest) {
      const dir = dirOf(manifest.runId);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      return openJournal(manifest.runId);
    },
    async open(runId) {
      await readJournalDir(runId, dirOf(runId));
      return openJournal(runId);
    },
  };
}
