/**
 * Replays one example of the Azure REST spec (azure-rest-api-specs, copied here with SOURCES.md)
 * against a running ARM emulator over HTTPS through the real client pipeline, and checks the answer
 * against the example and the shapes distilled from that api-version's swagger (spec-shapes.json).
 * Each check is named, so a failure says which rule of the spec the emulator broke.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SqlManagementClient } from '@azure/arm-sql';
import { createHttpHeaders, createPipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';

export const SPEC_DIR = import.meta.dirname;

interface Shapes {
  resourceType: string;
  apiVersions: Record<string, { shape: string; actions: string[] }>;
  shapes: Record<string, string[]>;
  databaseKeys: string[];
  stateDependentDatabaseKeys: string[];
  enums: Record<string, string[]>;
  uuidKeys: string[];
  dateTimeKeys: string[];
  int32Keys: string[];
  lro: { locationPath: string };
}
export const SHAPES = JSON.parse(readFileSync(join(SPEC_DIR, 'spec-shapes.json'), 'utf8')) as Shapes;

export interface Example {
  file: string;
  apiVersion: string;
  operation: string;
  parameters: { subscriptionId: string; resourceGroupName: string; 'api-version': string; parameters?: unknown };
  responses: Record<string, { headers?: Record<string, string>; body?: unknown }>;
}

export function loadExample(file: string): Example {
  const doc = JSON.parse(readFileSync(join(SPEC_DIR, file), 'utf8')) as Omit<Example, 'file' | 'apiVersion' | 'operation'>;
  const [apiVersion, name] = file.split('/') as [string, string];
  return { ...doc, file, apiVersion, operation: name.replace(/^DistributedAvailabilityGroups|\.json$/g, '') };
}

export interface Check {
  name: string;
  ok: boolean;
  detail?: string;
}

export interface Target {
  client: SqlManagementClient;
  url: string;
  /** The lab's managed instance and link: the example's names are mapped onto them. */
  managedInstance: string;
  link: string;
}

const METHOD: Record<string, string> = { Get: 'GET', ListByInstance: 'GET', Update: 'PATCH', Delete: 'DELETE', SetRole: 'POST', Failover: 'POST', CreateMax: 'PUT', CreateMin: 'PUT' };

async function send(client: SqlManagementClient, method: string, url: string, body?: unknown): Promise<PipelineResponse> {
  const headers = createHttpHeaders({ accept: 'application/json' });
  if (body !== undefined) headers.set('content-type', 'application/json');
  const req = createPipelineRequest({ url, method: method as 'GET', headers });
  if (body !== undefined) req.body = JSON.stringify(body);
  return client.sendRequest(req);
}

const json = (res: PipelineResponse): unknown => (res.bodyAsText ? (JSON.parse(res.bodyAsText) as unknown) : undefined);

/** Sends the example's request (names mapped onto the lab's), follows a 202 to its end, checks everything. */
export async function replayExample(ex: Example, t: Target): Promise<Check[]> {
  const checks: Check[] = [];
  const check = (name: string, ok: boolean, detail?: string) => checks.push({ name, ok, ...(ok || detail === undefined ? {} : { detail }) });
  const p = ex.parameters;
  const base = `/subscriptions/${p.subscriptionId}/resourceGroups/${p.resourceGroupName}/providers/Microsoft.Sql/managedInstances/${t.managedInstance}/distributedAvailabilityGroups`;
  const path = ex.operation === 'ListByInstance' ? base : ex.operation === 'SetRole' ? `${base}/${t.link}/setRole` : ex.operation === 'Failover' ? `${base}/${t.link}/failover` : `${base}/${t.link}`;
  const method = METHOD[ex.operation]!;
  const declared = Object.keys(ex.responses).map(Number);

  let res = await send(t.client, method, `${t.url}${path}?api-version=${p['api-version']}`, p.parameters);
  check('status is one the example declares', declared.includes(res.status), `${res.status} not in ${declared.join(',')}: ${res.bodyAsText}`);
  if (res.status === 202) {
    const location = res.headers.get('location');
    const pattern = new RegExp(SHAPES.lro.locationPath);
    check('202 carries Location in the spec\'s operationResults form', location !== undefined && pattern.test(new URL(location).pathname), String(location));
    check('Location asks for the same api-version', location !== undefined && new URL(location).searchParams.get('api-version') === p['api-version'], String(location));
    for (let polls = 0; res.status === 202 && location !== undefined && polls < 50; polls++) res = await send(t.client, 'GET', location);
    const finals = declared.filter((s) => s !== 202);
    check('the operation ends with a status the example declares', finals.includes(res.status), `${res.status} not in ${finals.join(',')}: ${res.bodyAsText}`);
  }
  const final = ex.responses[String(res.status)];
  const body = json(res) as { value?: unknown[] } | undefined;
  if (final?.body === undefined || res.status === 204) {
    check('no body where the example has none', res.status === 204 || body === undefined || final?.body === undefined);
    return checks;
  }
  const expected = final.body as { value?: unknown[] } & Record<string, unknown>;
  if (ex.operation === 'ListByInstance') {
    check('a list has value[]', Array.isArray(body?.value), JSON.stringify(body));
    const items = (body?.value ?? []) as Array<Record<string, unknown>>;
    check('the list holds the link', items.length >= 1);
    const like = (expected.value?.[0] ?? {}) as Record<string, unknown>;
    for (const item of items) checkResource(item, like, ex.apiVersion, t, check);
    return checks;
  }
  checkResource(body as Record<string, unknown>, expected, ex.apiVersion, t, check);
  return checks;
}

function checkResource(got: Record<string, unknown>, like: Record<string, unknown>, apiVersion: string, t: Target, check: (name: string, ok: boolean, detail?: string) => void): void {
  check('type is the resource type', got.type === SHAPES.resourceType, String(got.type));
  check('name and id name the link', got.name === t.link && typeof got.id === 'string' && got.id.endsWith(`/distributedAvailabilityGroups/${t.link}`), `${String(got.name)} ${String(got.id)}`);
  const props = (got.properties ?? {}) as Record<string, unknown>;
  const allowed = SHAPES.shapes[SHAPES.apiVersions[apiVersion]!.shape]!;
  const extra = Object.keys(props).filter((k) => !allowed.includes(k));
  check(`only properties of the ${SHAPES.apiVersions[apiVersion]!.shape} shape`, extra.length === 0, `extra: ${extra.join(', ')}`);
  const likeProps = (like.properties ?? {}) as Record<string, unknown>;
  const missing = Object.keys(likeProps).filter((k) => !(k in props));
  check('every property the example shows', missing.length === 0, `missing: ${missing.join(', ')}`);
  const dbs = (props.databases ?? []) as Array<Record<string, unknown>>;
  if ('databases' in likeProps || allowed.includes('databases')) {
    const likeDb = ((likeProps.databases as Array<Record<string, unknown>> | undefined)?.[0] ?? {}) as Record<string, unknown>;
    const needed = Object.keys(likeDb).filter((k) => !SHAPES.stateDependentDatabaseKeys.includes(k));
    const badDb = dbs.flatMap((db) => [...Object.keys(db).filter((k) => !SHAPES.databaseKeys.includes(k)).map((k) => `extra ${k}`), ...needed.filter((k) => !(k in db)).map((k) => `missing ${k}`)]);
    check('databases[] keys per the spec', dbs.length > 0 && badDb.length === 0, badDb.join(', ') || 'no databases');
  }
  const bad: string[] = [];
  const visit = (obj: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(obj)) {
      const e = SHAPES.enums[k];
      if (e && !e.includes(String(v))) bad.push(`${k}=${String(v)}`);
      if (SHAPES.uuidKeys.includes(k) && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(String(v))) bad.push(`${k}=${String(v)} (not a lowercase GUID)`);
      if (SHAPES.dateTimeKeys.includes(k) && Number.isNaN(Date.parse(String(v)))) bad.push(`${k}=${String(v)}`);
      if (SHAPES.int32Keys.includes(k) && !Number.isInteger(v)) bad.push(`${k}=${String(v)}`);
    }
  };
  visit(props);
  dbs.forEach(visit);
  check('values per the spec\'s enums and formats (lowercase GUIDs)', bad.length === 0, bad.join(', '));
}
