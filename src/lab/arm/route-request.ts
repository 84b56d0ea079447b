/** What a request path names. Scope names are as the client sent them; matching them is the caller's job. */
export type ArmRoute =
  | { kind: 'instance' | 'certificates' | 'collection'; subscriptionId: string; resourceGroup: string; managedInstance: string }
  | { kind: 'certificate'; subscriptionId: string; resourceGroup: string; managedInstance: string; certificate: string }
  | { kind: 'link'; subscriptionId: string; resourceGroup: string; managedInstance: string; dag: string }
  | {
      kind: 'action';
      subscriptionId: string;
      resourceGroup: string;
      managedInstance: string;
      dag: string;
      action: 'failover' | 'setRole';
    }
  | { kind: 'operationStatus' | 'operationResult'; subscriptionId: string; location: string; operationId: string };

export const OPERATION_STATUS_SEGMENT = 'distributedAvailabilityGroupsAzureAsyncOperation';
export const OPERATION_RESULT_SEGMENT = 'distributedAvailabilityGroupsOperationResults';

const same = (a: string | undefined, b: string): boolean => a !== undefined && a.toLowerCase() === b.toLowerCase();

/**
 * Matches a URL path against the link resource's routes. ARM treats the fixed segments (and resource
 * names) case-insensitively, so `/SUBSCRIPTIONS/…/DistributedAvailabilityGroups` reaches the same route.
 *
 * @example
 * routeRequest('/subscriptions/s/resourceGroups/rg/providers/Microsoft.Sql/managedInstances/mi/distributedAvailabilityGroups/dag/failover');
 * // → { kind: 'action', …, dag: 'dag', action: 'failover' }
 */
export function routeRequest(pathname: string): ArmRoute | undefined {
  let seg: string[];
  try {
    seg = pathname.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
  if (!same(seg[0], 'subscriptions') || seg[1] === undefined) return undefined;
  const subscriptionId = seg[1];

  if (same(seg[2], 'providers') && same(seg[3], 'Microsoft.Sql') && same(seg[4], 'locations') && seg.length === 8) {
    const [location, kindSegment, operationId] = [seg[5]!, seg[6], seg[7]!];
    if (same(kindSegment, OPERATION_STATUS_SEGMENT)) return { kind: 'operationStatus', subscriptionId, location, operationId };
    if (same(kindSegment, OPERATION_RESULT_SEGMENT)) return { kind: 'operationResult', subscriptionId, location, operationId };
    return undefined;
  }

  const fixed: [number, string][] = [
    [2, 'resourceGroups'],
    [4, 'providers'],
    [5, 'Microsoft.Sql'],
    [6, 'managedInstances'],
  ];
  if (seg.length < 8 || seg.length > 11 || !fixed.every(([i, s]) => same(seg[i], s))) return undefined;
  const scope = { subscriptionId, resourceGroup: seg[3]!, managedInstance: seg[7]! };
  if (seg.length === 8) return { kind: 'instance', ...scope };
  if (same(seg[8], 'serverTrustCertificates')) {
    if (seg.length === 9) return { kind: 'certificates', ...scope };
    if (seg.length === 10) return { kind: 'certificate', ...scope, certificate: seg[9]! };
    return undefined;
  }
  if (!same(seg[8], 'distributedAvailabilityGroups')) return undefined;
  if (seg.length === 9) return { kind: 'collection', ...scope };
  const dag = seg[9]!;
  if (seg.length === 10) return { kind: 'link', ...scope, dag };
  if (same(seg[10], 'failover')) return { kind: 'action', ...scope, dag, action: 'failover' };
  if (same(seg[10], 'setRole')) return { kind: 'action', ...scope, dag, action: 'setRole' };
  return undefined;
}
