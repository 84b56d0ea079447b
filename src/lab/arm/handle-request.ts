import type { LinkOperation, OperationKind, OperationStore } from './operations.js';
import { collectionPath, errorBody, hasAction, isApiVersion, isLegacyApiVersion, renderInstance, renderLink, renderTrustCertificate, type ResourceScope } from './render-link.js';
import { OPERATION_RESULT_SEGMENT, OPERATION_STATUS_SEGMENT, routeRequest, type ArmRoute } from './route-request.js';
import { ARM_API_VERSIONS, ArmBackendError, type ArmApiVersion, type ArmInstanceBackend, type ArmLinkBackend, type ArmLinkState } from './types.js';

/** The request bodies' schemas (zod) load with the first request that has a body, not with the lab (issue 13). */
const bodySchemas = () => import('./parse-link-body.js');

export interface ArmResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface HandlerContext {
  backend: ArmLinkBackend;
  instance: ArmInstanceBackend | undefined;
  /** Whether a 202 also carries `Azure-AsyncOperation` (the spec declares only `Location`). */
  asyncOperationHeader: boolean;
  scope: ResourceScope;
  location: string;
  pageSize: number;
  ops: OperationStore;
}

export interface ArmRequest {
  method: string;
  url: URL;
  /** scheme://host[:port] the client called, so links it is handed back reach the same place. */
  origin: string;
  body: unknown;
}

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
function fail(status: number, code: string, message: string): never {
  throw new ArmBackendError(status, code, message);
}

/**
 * Answers one authenticated request. Refusals are thrown as {@link ArmBackendError} and turned into
 * ARM error bodies by the caller, whether they come from here or from the backend.
 */
export async function handleArmRequest(ctx: HandlerContext, req: ArmRequest): Promise<ArmResponse> {
  const route = routeRequest(req.url.pathname);
  if (route === undefined) fail(404, 'InvalidResourceType', `no route for ${req.method} ${req.url.pathname}`);
  const apiVersion = readApiVersion(req.url);
  if (!same(route.subscriptionId, ctx.scope.subscriptionId)) fail(404, 'SubscriptionNotFound', `subscription '${route.subscriptionId}' could not be found`);
  await ctx.ops.settleDue();
  const r = route;
  switch (r.kind) {
    case 'operationStatus':
    case 'operationResult':
      return answerOperation(ctx, req, r, apiVersion);
    case 'collection':
      checkScope(ctx, r);
      if (req.method !== 'GET') return methodNotAllowed(req);
      return listLinks(ctx, req, apiVersion);
    case 'link':
      checkScope(ctx, r);
      return answerLink(ctx, req, r.dag, apiVersion);
    case 'action':
      checkScope(ctx, r);
      return answerAction(ctx, req, r.dag, r.action, apiVersion);
    case 'instance':
      checkScope(ctx, r);
      if (req.method !== 'GET') return methodNotAllowed(req);
      return answerInstance(ctx);
    case 'certificates':
      checkScope(ctx, r);
      if (req.method !== 'GET') return methodNotAllowed(req);
      return { status: 200, body: { value: (await instanceBackend(ctx).listTrustCertificates(ctx.scope.managedInstance)).map((c) => renderTrustCertificate(ctx.scope, c)) } };
    case 'certificate':
      checkScope(ctx, r);
      return answerCertificate(ctx, req, r.certificate, apiVersion);
  }
}

function readApiVersion(url: URL): ArmApiVersion {
  const values = [...new Set(url.searchParams.getAll('api-version'))];
  if (values.length === 0) fail(400, 'MissingApiVersionParameter', "the api-version query parameter (?api-version=) is required for all requests");
  if (values.length > 1 || !isApiVersion(values[0])) {
    fail(400, 'InvalidApiVersionParameter', `the api-version '${values.join(',')}' is invalid; supported: ${ARM_API_VERSIONS.join(', ')}`);
  }
  return values[0] as ArmApiVersion;
}

function checkScope(ctx: HandlerContext, r: { resourceGroup: string; managedInstance: string }): void {
  if (!same(r.resourceGroup, ctx.scope.resourceGroup)) fail(404, 'ResourceGroupNotFound', `resource group '${r.resourceGroup}' could not be found`);
  if (!same(r.managedInstance, ctx.scope.managedInstance)) {
    fail(404, 'ParentResourceNotFound', `managed instance '${r.managedInstance}' could not be found in '${ctx.scope.resourceGroup}'`);
  }
}

function methodNotAllowed(req: ArmRequest): never {
  return fail(405, 'MethodNotAllowed', `${req.method} is not supported on ${req.url.pathname}`);
}

async function existing(ctx: HandlerContext, dag: string): Promise<ArmLinkState> {
  const link = await ctx.backend.getLink(ctx.scope.managedInstance, dag);
  if (link === undefined) {
    fail(404, 'ResourceNotFound', `distributed availability group '${dag}' was not found on managed instance '${ctx.scope.managedInstance}'`);
  }
  return link;
}

async function listLinks(ctx: HandlerContext, req: ArmRequest, apiVersion: ArmApiVersion): Promise<ArmResponse> {
  const all = (await ctx.backend.listLinks(ctx.scope.managedInstance)).sort((a, b) => a.name.localeCompare(b.name));
  const skip = Number(req.url.searchParams.get('$skipToken') ?? '0');
  if (!Number.isInteger(skip) || skip < 0) fail(400, 'InvalidParameterValue', `$skipToken '${req.url.searchParams.get('$skipToken')}' is not valid`);
  const page = all.slice(skip, skip + ctx.pageSize);
  const next = skip + ctx.pageSize;
  const body: Record<string, unknown> = { value: page.map((l) => renderLink(ctx.scope, l, apiVersion)) };
  if (next < all.length) body.nextLink = `${req.origin}${collectionPath(ctx.scope)}?api-version=${apiVersion}&$skipToken=${next}`;
  return { status: 200, body };
}

async function answerLink(ctx: HandlerContext, req: ArmRequest, dag: string, apiVersion: ArmApiVersion): Promise<ArmResponse> {
  const mi = ctx.scope.managedInstance;
  const legacy = isLegacyApiVersion(apiVersion);
  switch (req.method) {
    case 'GET':
      return { status: 200, body: renderLink(ctx.scope, await existing(ctx, dag), apiVersion) };
    case 'PUT': {
      const input = (await bodySchemas()).parseCreateBody(req.body, legacy);
      return accept(ctx, req, 'put', dag, apiVersion, () => ctx.backend.createOrUpdate(mi, dag, input));
    }
    case 'PATCH': {
      await existing(ctx, dag);
      const patch = (await bodySchemas()).parsePatchBody(req.body, legacy);
      return accept(ctx, req, 'patch', dag, apiVersion, () => ctx.backend.update(mi, dag, patch));
    }
    case 'DELETE':
      // ARM answers a DELETE of something already gone with 204 at once: deleting is idempotent.
      if ((await ctx.backend.getLink(mi, dag)) === undefined) return { status: 204 };
      return accept(ctx, req, 'delete', dag, apiVersion, () => ctx.backend.delete(mi, dag));
    default:
      return methodNotAllowed(req);
  }
}

async function answerAction(
  ctx: HandlerContext,
  req: ArmRequest,
  dag: string,
  action: 'failover' | 'setRole',
  apiVersion: ArmApiVersion,
): Promise<ArmResponse> {
  if (req.method !== 'POST') return methodNotAllowed(req);
  if (!hasAction(apiVersion, action)) {
    fail(400, 'InvalidApiVersionParameter', `the api-version '${apiVersion}' has no '${action}' action; use ${action === 'setRole' ? '2022-08-01-preview' : '2023-08-01'} or later`);
  }
  await existing(ctx, dag);
  const mi = ctx.scope.managedInstance;
  if (action === 'failover') {
    const failoverType = (await bodySchemas()).parseFailoverBody(req.body);
    return accept(ctx, req, 'failover', dag, apiVersion, () => ctx.backend.failover(mi, dag, failoverType));
  }
  const { instanceRole, roleChangeType } = (await bodySchemas()).parseSetRoleBody(req.body);
  return accept(ctx, req, 'setRole', dag, apiVersion, () => ctx.backend.setRole(mi, dag, instanceRole, roleChangeType));
}

/** 202 Accepted with both polling headers, as the SQL resource provider answers a long-running call. */
function accept(
  ctx: HandlerContext,
  req: ArmRequest,
  kind: OperationKind,
  resource: string,
  apiVersion: ArmApiVersion,
  apply: () => Promise<unknown>,
): ArmResponse {
  const mi = ctx.scope.managedInstance;
  const pending = ctx.ops.pendingFor(mi, resource);
  if (pending !== undefined) {
    fail(409, 'AnotherOperationInProgress', `operation ${pending.id} (${pending.kind}) on '${pending.dag}' is still in progress`);
  }
  const op = ctx.ops.start(kind, mi, resource, apply);
  return { status: 202, headers: pollingHeaders(ctx, req, op, apiVersion) };
}

const CERTIFICATE_PREFIX = 'serverTrustCertificates/';

function instanceBackend(ctx: HandlerContext): ArmInstanceBackend {
  if (ctx.instance === undefined) fail(404, 'ResourceNotFound', `managed instance '${ctx.scope.managedInstance}' has no resource in this emulator`);
  return ctx.instance;
}

async function answerInstance(ctx: HandlerContext): Promise<ArmResponse> {
  const mi = await instanceBackend(ctx).getInstance(ctx.scope.managedInstance);
  if (mi === undefined) fail(404, 'ResourceNotFound', `managed instance '${ctx.scope.managedInstance}' was not found`);
  return { status: 200, body: renderInstance(ctx.scope, mi, ctx.location) };
}

/** `serverTrustCertificates/{name}`: GET at once; PUT and DELETE are long-running, as in Azure. */
async function answerCertificate(ctx: HandlerContext, req: ArmRequest, name: string, apiVersion: ArmApiVersion): Promise<ArmResponse> {
  const backend = instanceBackend(ctx);
  const mi = ctx.scope.managedInstance;
  switch (req.method) {
    case 'GET': {
      const cert = await backend.getTrustCertificate(mi, name);
      if (cert === undefined) fail(404, 'ResourceNotFound', `server trust certificate '${name}' was not found on managed instance '${mi}'`);
      return { status: 200, body: renderTrustCertificate(ctx.scope, cert) };
    }
    case 'PUT': {
      const blob = (await bodySchemas()).parseTrustCertificateBody(req.body);
      return accept(ctx, req, 'putCertificate', `${CERTIFICATE_PREFIX}${name}`, apiVersion, () => backend.putTrustCertificate(mi, name, blob));
    }
    case 'DELETE':
      if ((await backend.getTrustCertificate(mi, name)) === undefined) return { status: 204 };
      return accept(ctx, req, 'deleteCertificate', `${CERTIFICATE_PREFIX}${name}`, apiVersion, () => backend.deleteTrustCertificate(mi, name));
    default:
      return methodNotAllowed(req);
  }
}

function operationUrl(ctx: HandlerContext, req: ArmRequest, segment: string, op: LinkOperation, apiVersion: ArmApiVersion): string {
  return (
    `${req.origin}/subscriptions/${ctx.scope.subscriptionId}/providers/Microsoft.Sql/locations/${ctx.location}` +
    `/${segment}/${op.id}?api-version=${apiVersion}`
  );
}

function pollingHeaders(ctx: HandlerContext, req: ArmRequest, op: LinkOperation, apiVersion: ArmApiVersion): Record<string, string> {
  const headers: Record<string, string> = {
    location: operationUrl(ctx, req, OPERATION_RESULT_SEGMENT, op, apiVersion),
    'retry-after': String(ctx.ops.retryAfterSeconds(op)),
  };
  if (ctx.asyncOperationHeader) headers['azure-asyncoperation'] = operationUrl(ctx, req, OPERATION_STATUS_SEGMENT, op, apiVersion);
  return headers;
}

async function answerOperation(
  ctx: HandlerContext,
  req: ArmRequest,
  route: Extract<ArmRoute, { kind: 'operationStatus' | 'operationResult' }>,
  apiVersion: ArmApiVersion,
): Promise<ArmResponse> {
  if (req.method !== 'GET') return methodNotAllowed(req);
  const op = same(route.location, ctx.location) ? ctx.ops.get(route.operationId) : undefined;
  if (op === undefined) fail(404, 'ResourceNotFound', `operation '${route.operationId}' was not found`);
  const o = op;
  if (route.kind === 'operationStatus') {
    const body: Record<string, unknown> = { name: o.id, status: o.status, startTime: new Date(o.startedAt).toISOString() };
    if (o.endedAt !== undefined) body.endTime = new Date(o.endedAt).toISOString();
    if (o.error) body.error = errorBody(o.error.armCode, o.error.message).error;
    return { status: 200, body, headers: o.status === 'InProgress' ? { 'retry-after': String(ctx.ops.retryAfterSeconds(o)) } : {} };
  }
  // Location polling: 202 until done, then what the operation produced.
  if (o.status === 'InProgress') return { status: 202, headers: pollingHeaders(ctx, req, o, apiVersion) };
  if (o.status === 'Failed') {
    const error = o.error ?? new ArmBackendError(500, 'InternalServerError', 'the operation failed');
    return { status: error.status, body: errorBody(error.armCode, error.message) };
  }
  if (o.kind === 'delete' || o.kind === 'deleteCertificate') return { status: 204 };
  if (o.kind === 'putCertificate') {
    const name = o.dag.slice(CERTIFICATE_PREFIX.length);
    const cert = await instanceBackend(ctx).getTrustCertificate(ctx.scope.managedInstance, name);
    if (cert === undefined) fail(404, 'ResourceNotFound', `server trust certificate '${name}' was not found`);
    return { status: 200, body: renderTrustCertificate(ctx.scope, cert) };
  }
  return { status: 200, body: renderLink(ctx.scope, await existing(ctx, o.dag), apiVersion) };
}
