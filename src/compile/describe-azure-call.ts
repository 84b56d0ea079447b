import { CERTIFICATE_AZURE_OPERATIONS, LINK_AZURE_OPERATIONS, type AzureOperation } from '../runbook/azure-operations.js';
import type { PlanAzureCall } from './types.js';

/**
 * One line naming an Azure call and the resource it acts on, for the plan, the live plan, the
 * journal's intent text and confirmations: the same words everywhere, so what was shown is what
 * the journal says was sent. The body is left to the caller (it is shown on its own).
 *
 * @example
 * describeAzureCall({ operation: 'putTrustCertificate', link: 'SalesLink', certificate: 'sql01-2027' });
 * // 'azure putTrustCertificate certificate "sql01-2027"'
 */
export function describeAzureCall(a: PlanAzureCall): string {
  const op = a.operation as AzureOperation;
  const parts = [`azure ${a.operation}`];
  if (LINK_AZURE_OPERATIONS.includes(op)) parts.push(`link ${JSON.stringify(a.link)}`);
  if (CERTIFICATE_AZURE_OPERATIONS.includes(op)) parts.push(`certificate ${JSON.stringify(a.certificate ?? '<unset>')}`);
  if (a.apiVersion !== undefined) parts.push(`api-version ${a.apiVersion}`);
  return parts.join(' ');
}
