// Deploy overhead and API cost: cluster + 2 HSMs through the deploy harness on the simulator's
// virtual clock, with the real bundled handler. Nothing sleeps.
import { DeployHarness } from '../harness/engine';
import { InvocationInfo } from '../harness/faults';
import { DeploymentReport } from '../harness/types';
import { CloudHsmSimulator, startSimulatorServer } from '../sim';
import { clusterTemplate, REGION } from './templates';

export interface DeployScenario {
  /** label in the report */
  readonly name: string;
  /** the provider's query interval (context key), seconds */
  readonly intervalS: number;
  /** model a poller that first waits one interval before its first check (fixed-interval tools) */
  readonly delayFirstCheck: boolean;
}

export interface ServiceTimings {
  readonly clusterCreateMs: number;
  readonly hsmCreateMs: number;
}

/** What one invocation did: its resource, function and the API calls made while it ran. */
export interface InvocationCalls {
  readonly logicalId: string;
  readonly fn: 'onEvent' | 'isComplete';
  readonly calls: Record<string, number>;
  /** other invocations running at the same time (attribution is exact only when 0) */
  readonly overlapping: number;
}

export interface DeployRun {
  readonly scenario: string;
  readonly timings: ServiceTimings;
  /** service time on the critical path: cluster, then HSM 1, then (after activation) HSM 2 */
  readonly provisioningMs: number;
  readonly deployMs: number;
  readonly ratio: number;
  readonly reports: readonly DeploymentReport[];
  readonly invocations: readonly InvocationCalls[];
}

function sum(r: Record<string, number>): number {
  return Object.values(r).reduce((a, b) => a + b, 0);
}

function delta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v - (before[k] ?? 0) > 0) out[k] = v - (before[k] ?? 0);
  return out;
}

/** One resource request (its onEvent and its isComplete checks). */
export const requestKey = (i: InvocationInfo) => `${i.event.LogicalResourceId}/${i.event.RequestId}`;

/**
 * The fixed-interval poller (scenario.delayFirstCheck): it sleeps one interval after a create call
 * made by onEvent before its first check. Where the handler makes the create call in isComplete,
 * the next check is one interval later anyway.
 */
export function delayFirstCheck(sim: CloudHsmSimulator, scenario: DeployScenario, info: InvocationInfo, createdByOnEvent: ReadonlySet<string>): void {
  if (scenario.delayFirstCheck && info.fn === 'isComplete' && info.attempt === 1 && createdByOnEvent.has(requestKey(info))) {
    sim.advance(scenario.intervalS * 1000);
  }
}

/**
 * Cluster + 2 HSMs: a create with one HSM (a cluster holds one HSM until activated), the user's
 * initialize + activate (forced in the simulator, no virtual time), then an update adding HSM 2.
 */
export async function runDeploy(scenario: DeployScenario, timings: ServiceTimings, seed = 1): Promise<DeployRun> {
  const sim = new CloudHsmSimulator({ seed, timings });
  const server = await startSimulatorServer(sim);
  const invocations: InvocationCalls[] = [];
  const inFlight = new Map<string, { before: Record<string, number>; overlap: number }>();
  const key = (i: InvocationInfo) => `${i.fn}/${i.event.LogicalResourceId}/${i.event.RequestId}/${i.attempt}`;
  const createdByOnEvent = new Set<string>();
  try {
    const harness = new DeployHarness({
      sim,
      endpoint: server.url,
      stackName: 'Bench',
      seed,
      faults: {
        beforeInvoke: (info) => {
          delayFirstCheck(sim, scenario, info, createdByOnEvent);
          for (const v of inFlight.values()) v.overlap++;
          inFlight.set(key(info), { before: { ...sim.callCounts() }, overlap: inFlight.size });
        },
        afterInvoke: (info) => {
          const rec = inFlight.get(key(info));
          inFlight.delete(key(info));
          if (!rec) return;
          const calls = delta(rec.before, sim.callCounts());
          if (info.fn === 'onEvent' && Object.keys(calls).some((op) => op.startsWith('Create'))) createdByOnEvent.add(requestKey(info));
          invocations.push({
            logicalId: info.event.LogicalResourceId, fn: info.fn, calls, overlapping: rec.overlap,
          });
        },
      },
    });
    const first = await harness.deploy(clusterTemplate('Bench', 1, false, scenario.intervalS));
    if (first.outcome.status !== 'success') throw new Error(`${scenario.name}: create failed: ${JSON.stringify(first.outcome)}`);
    const clusterId = first.outputs.ClusterId ?? Object.values(first.resources).find((r) => r.type === 'Custom::CloudHsmCluster')?.physicalId;
    if (!clusterId) throw new Error('no cluster id in the report');
    sim.forceClusterState(REGION, clusterId, 'INITIALIZED');
    sim.activateCluster(REGION, clusterId);
    const second = await harness.deploy(clusterTemplate('Bench', 2, true, scenario.intervalS));
    if (second.outcome.status !== 'success') throw new Error(`${scenario.name}: update failed: ${JSON.stringify(second.outcome)}`);
    const provisioningMs = timings.clusterCreateMs + 2 * timings.hsmCreateMs;
    const deployMs = first.simulatedMs + second.simulatedMs;
    return { scenario: scenario.name, timings, provisioningMs, deployMs, ratio: deployMs / provisioningMs, reports: [first, second], invocations };
  } finally {
    await server.close();
  }
}

/** Per logical id: invocations and API calls over the two deployments of a run. */
export interface ResourceCost {
  onEvent: number;
  isComplete: number;
  calls: Record<string, number>;
  total: number;
}

export function costByResource(run: DeployRun): Record<string, ResourceCost> {
  const out: Record<string, ResourceCost> = {};
  for (const inv of run.invocations) {
    const r = out[inv.logicalId] ??= { onEvent: 0, isComplete: 0, calls: {}, total: 0 };
    r[inv.fn]++;
    for (const [op, n] of Object.entries(inv.calls)) r.calls[op] = (r.calls[op] ?? 0) + n;
    r.total += sum(inv.calls);
  }
  return out;
}

/** API calls per operation over both deployments, from the simulator's counts. */
export function apiCallsOf(run: DeployRun): Record<string, number> {
  const out: Record<string, number> = {};
  for (const rep of run.reports) for (const [op, n] of Object.entries(rep.apiCalls)) out[op] = (out[op] ?? 0) + n;
  return out;
}
