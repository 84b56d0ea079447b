import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenOn } from '../listen-on.js';
import { AgmedicError } from '../../errors.js';
import { handleArmRequest, type ArmResponse, type HandlerContext } from './handle-request.js';
import { OperationStore } from './operations.js';
import { parseJson } from './parse-json-body.js';
import { errorBody } from './render-link.js';
import { ArmBackendError, type ArmEmulator, type ArmEmulatorOptions, type ArmRequestRecord } from './types.js';

const MAX_BODY_BYTES = 1 << 20;
const MAX_LOG = 1000;

/**
 * Starts an HTTPS emulator of the Managed Instance link resource
 * (`Microsoft.Sql/managedInstances/{mi}/distributedAvailabilityGroups`) that the real `@azure/arm-sql`
 * client accepts: bearer-token auth, ARM error bodies, the old and new api-versions, and long-running
 * operations answered with 202 + `Location` + `Azure-AsyncOperation` until they complete.
 *
 * @example
 * const arm = await startArmEmulator({ backend: createWorldArmBackend(world), instance: createWorldInstanceBackend(world), token: 'lab-token', tls: { key, cert } });
 * const client = new SqlManagementClient(credential, arm.subscriptionId, {
 *   endpoint: arm.url, credentialScopes: ['https://management.azure.com/.default'], tlsOptions: { ca },
 * });
 * await client.distributedAvailabilityGroups.get('agmedic-lab', 'mi-lab', 'dag1');
 * await arm.close();
 */
export async function startArmEmulator(opts: ArmEmulatorOptions): Promise<ArmEmulator> {
  if (opts.token === '') throw new AgmedicError('LAB_ARM', 'the ARM emulator needs a non-empty bearer token');
  const host = opts.host ?? '127.0.0.1';
  const clock = opts.clock ?? { now: () => Date.now() };
  const ctx: HandlerContext = {
    backend: opts.backend,
    instance: opts.instance,
    asyncOperationHeader: opts.asyncOperationHeader ?? true,
    scope: {
      subscriptionId: opts.subscriptionId ?? '00000000-0000-0000-0000-000000000000',
      resourceGroup: opts.resourceGroup ?? 'agmedic-lab',
      managedInstance: opts.managedInstance ?? 'mi-lab',
    },
    location: opts.location ?? 'westeurope',
    pageSize: Math.max(1, opts.pageSize ?? 100),
    ops: new OperationStore(clock, Math.max(0, opts.operationDelayMs ?? 0)),
  };
  const tokenDigest = digest(opts.token);
  const log: ArmRequestRecord[] = [];
  // One request at a time: operations settle and the backend changes in arrival order, as a test expects.
  let queue: Promise<unknown> = Promise.resolve();

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const at = clock.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const origin = `https://${req.headers.host ?? `${host}:${port}`}`;
    let url: URL;
    try {
      url = new URL(req.url ?? '/', origin);
    } catch {
      url = new URL('/', origin);
    }
    let body: unknown;
    let answer: ArmResponse;
    try {
      const text = await readBody(req);
      answer = authenticate(req.headers.authorization, tokenDigest) ?? (await run(() => {
        body = parseJson(text);
        return handleArmRequest(ctx, { method, url, origin, body });
      }));
    } catch (err) {
      answer = toErrorResponse(err);
    }
    const record: ArmRequestRecord = { method, path: url.pathname, apiVersion: url.searchParams.get('api-version') ?? undefined, status: answer.status, body, at };
    const code = (answer.body as { error?: { code?: string } } | undefined)?.error?.code;
    if (code !== undefined) record.errorCode = code;
    log.push(record);
    if (log.length > MAX_LOG) log.splice(0, log.length - MAX_LOG);
    if (opts.requestLogFile !== undefined) appendRequestLog(opts.requestLogFile, record);
    send(res, answer);
  };

  const run = <T>(task: () => Promise<T>): Promise<T> => {
    const result = queue.then(task);
    queue = result.catch(() => undefined);
    return result;
  };

  const server = https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, (req, res) => {
    void serve(req, res);
  });
  server.on('tlsClientError', () => undefined);
const port = await listenOn(server, host, opts.port, 'ARM');
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    port,
    url: `https://${urlHost}:${port}`,
    ...ctx.scope,
    get requests() {
      return log;
    },
    clearRequests: () => {
      log.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Clients keep connections alive; without this close() would wait for their idle timeout.
        server.closeAllConnections();
      }),
  };
}

/**
 * One JSON line per request, written before the answer goes out, so a test that kills the client
 * the moment it sees a 202 still finds the request in the file. Headers are never recorded.
 */
function appendRequestLog(file: string, record: ArmRequestRecord): void {
  try {
    appendFileSync(file, `${JSON.stringify({ ...record, time: new Date(record.at).toISOString() })}\n`);
  } catch {
    // The log serves tests and rehearsals; a full disk must not take the emulator down with it.
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** undefined when the request carries the lab's token; otherwise ARM's 401. */
function authenticate(header: string | undefined, expected: Buffer): ArmResponse | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (match && timingSafeEqual(digest(match[1]!), expected)) return undefined;
  const description =
    header === undefined ? "The authentication failed because of missing 'Authorization' header." : 'The access token is invalid.';
  return {
    status: 401,
    headers: {
      'www-authenticate': `Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="${description}"`,
    },
    body: errorBody('AuthenticationFailed', description),
  };
}

function toErrorResponse(err: unknown): ArmResponse {
  if (err instanceof ArmBackendError) return { status: err.status, body: errorBody(err.armCode, err.message) };
  return { status: 500, body: errorBody('InternalServerError', err instanceof Error ? err.message : String(err)) };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Keep reading past the limit so the client still gets the 413 rather than a reset connection.
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () =>
      size > MAX_BODY_BYTES
        ? reject(new ArmBackendError(413, 'RequestEntityTooLarge', `the request body exceeds ${MAX_BODY_BYTES} bytes`))
        : resolve(Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
  });
}

function send(res: ServerResponse, answer: ArmResponse): void {
  const headers: Record<string, string> = { 'x-ms-request-id': randomUUID(), ...answer.headers };
  if (answer.body === undefined) {
    res.writeHead(answer.status, headers).end();
    return;
  }
  const text = JSON.stringify(answer.body);
  res.writeHead(answer.status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
}
