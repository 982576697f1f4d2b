import type { ResourceEvent } from './types';

/**
 * One JSON line per step, keyed by the resource. Callers pass ids and states only: never
 * cluster descriptions, which carry the PreCoPassword and certificates.
 */
export function log(event: Pick<ResourceEvent, 'LogicalResourceId' | 'RequestType'>, message: string, fields: Record<string, unknown> = {}): void {
  if (process.env.CDK_CLOUDHSM_QUIET === '1') return;
  console.log(JSON.stringify({ resource: event.LogicalResourceId, request: event.RequestType, message, ...fields }));
}
