/**
 * Where a run posts notifications: `--notify URL` (repeatable) and the `notify:` section of
 * `$AGMEDIC_HOME/config.yaml` — a scheduler's runs then notify without every job repeating the URL.
 *
 *   notify:
 *     - https://hooks.slack.com/services/T000/B000/XXXX
 *     - url: https://contoso.webhook.office.com/webhookb2/…
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultStateDir } from '../adapters/file-journal.js';
import { createWebhookNotifier } from '../adapters/webhook-notifier.js';
import { AgmedicError } from '../errors.js';
import type { Notifier } from '../ports/notifier.js';

/** The URLs of the config file's `notify:` section (none when there is no file). */
export async function configuredNotifyUrls(env: Readonly<Record<string, string | undefined>> = process.env): Promise<string[]> {
  const file = join(defaultStateDir(env), 'config.yaml');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  // The YAML parser only when there is a file: most runs have none, and start-up counts.
  const { parse } = await import('yaml');
  const doc = (parse(text) ?? {}) as { notify?: unknown };
  const list = doc.notify === undefined || doc.notify === null ? [] : Array.isArray(doc.notify) ? doc.notify : [doc.notify];
  return list.map((item, i) => {
    const url = typeof item === 'string' ? item : typeof item === 'object' && item && typeof (item as { url?: unknown }).url === 'string' ? (item as { url: string }).url : undefined;
    if (!url) throw new AgmedicError('USAGE', `${file}: notify[${i}] must be a URL or { url: URL }`);
    return url;
  });
}

/** Notifiers for the command line's URLs and the config file's, each URL once. */
export async function notifiersFor(cli: readonly string[] | undefined, env: Readonly<Record<string, string | undefined>> = process.env): Promise<Notifier[]> {
  return [...new Set([...(cli ?? []), ...(await configuredNotifyUrls(env))])].map((u) => createWebhookNotifier(u));
}
