// Reading a run back: the inventory of the simulator against the stack's state (what is left,
// what is orphaned), counters, and the one-line formats the demo and failing tests print.

import { DeploymentReport, DeployedResource, InvocationCounts, RetainedResource, SimResourceView, Transition } from './types';

/**
 * A resource the service has finished with: DELETED (a secret: scheduled for deletion), a
 * terminated instance, a backup waiting out its PENDING_DELETION, or a KMS key whose deletion is
 * scheduled (KeyState PendingDeletion: KMS deletes it at the end of its waiting period).
 */
export function isGone(r: SimResourceView): boolean {
  return r.state === 'DELETED' || r.state === 'terminated' || (r.type === 'backup' && r.state === 'PENDING_DELETION')
    || (r.type === 'kms-key' && r.state === 'PendingDeletion');
}

/** Types owned through their cluster: HSMs and the backups the service makes of it. Key stores and KMS keys are not. */
const OWNED_BY_CLUSTER = new Set(['hsm', 'backup']);

/**
 * What the simulator still holds, and which of it nobody accounts for: a resource is accounted
 * for when its id (or, for HSMs and backups, its cluster's id) is a physical id of the stack or of
 * a resource retained by policy. A custom key store or a KMS key is accounted for by its own id
 * only: one in a cluster of the stack that no resource names is an orphan.
 */
export function inventory(
  all: readonly SimResourceView[],
  stack: Iterable<DeployedResource>,
  retained: readonly RetainedResource[],
): { left: SimResourceView[]; orphans: SimResourceView[] } {
  const owned = new Set<string>([...stack].map((r) => r.physicalId));
  for (const r of retained) owned.add(r.physicalId);
  const left = all.filter((r) => !isGone(r));
  const orphans = left.filter((r) => !owned.has(r.id)
    && !(OWNED_BY_CLUSTER.has(r.type) && r.clusterId !== undefined && owned.has(r.clusterId)));
  return { left, orphans };
}

export function newInvocationCounts(): InvocationCounts {
  return { onEvent: 0, isComplete: 0, byResource: {} };
}

/** Calls per operation made between two snapshots of the simulator's counters. */
export function countDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [op, n] of Object.entries(after)) {
    const d = n - (before[op] ?? 0);
    if (d > 0) out[op] = d;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** `ClusterEB0386A7` -> `Cluster`: the logical id without CDK's hash suffix. */
export function displayName(logicalId: string): string {
  const m = /^(.+?)[0-9A-F]{8}$/.exec(logicalId);
  return m ? m[1] : logicalId;
}

/** Virtual durations as `5m00s`, `1h02m03s`, `0m10s`. */
export function formatDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m${s}s` : `${m}m${s}s`;
}

/**
 * `[  5m00s] Cluster  Custom::CloudHsmCluster  CREATE  CREATE_IN_PROGRESS -> UNINITIALIZED`:
 * service-state changes as `from -> to`, CloudFormation statuses by name, then the physical id
 * and the reason where there is one.
 */
export function formatTransition(t: Transition, width = { name: 10, type: 24 }): string {
  const time = `[${formatDuration(t.elapsedMs).padStart(7)}]`;
  const what = t.kind === 'service' ? `${t.previousStatus ?? '(new)'} -> ${t.status}` : t.status;
  const phase = t.phase === 'rollback' || t.phase === 'cleanup' ? ` (${t.phase})` : '';
  const id = t.physicalId ? `  ${t.physicalId}` : '';
  const reason = t.reason ? `  ${t.reason}` : '';
  return `${time} ${displayName(t.logicalId).padEnd(width.name)} ${t.resourceType.padEnd(width.type)} `
    + `${t.requestType.toUpperCase().padEnd(6)} ${what}${phase}${t.kind === 'resource' ? id : ''}${reason}`;
}

/** One line for the outcome of a stack operation. */
export function formatOutcome(r: DeploymentReport): string {
  const o = r.outcome;
  if (o.status === 'success') return `${r.operation} ${r.stackName}: ${r.stackStatus} in ${formatDuration(r.simulatedMs)} simulated`;
  return `${r.operation} ${r.stackName}: ${r.stackStatus}; ${o.logicalId} (${o.resourceType}) ${o.requestType} failed: ${o.message}`;
}
