// "Add 3 HSMs to an activated cluster": the cluster exists and is ACTIVE (deployed empty, then
// initialized and activated in the simulator, not timed); one deployment adds the HSMs. An ACTIVE
// cluster without HSMs makes its first HSM from its latest backup, so the critical path is one HSM
// creation and that restore. Timed on the
// simulator's virtual clock with the real bundled handler, created together (the library's order) or
// one after another (each HSM's resource depending on the previous one, the order before HSMs of an
// activated cluster were created together).
import { DeployHarness } from '../harness/engine';
import { CfnTemplate } from '../harness/types';
import { CloudHsmSimulator, startSimulatorServer } from '../sim';
import { DeployScenario, ServiceTimings } from './deploy';
import { clusterTemplate, REGION } from './templates';

export const FLEET_HSMS = 3;

export interface FleetScenario extends DeployScenario {
  /** each HSM after the previous one (DependsOn chain added to the template) */
  readonly serial: boolean;
}

export interface FleetRun {
  readonly timings: ServiceTimings;
  /**
   * the service's critical path: the HSMs are created in parallel, so one HSM creation, and the
   * restore of the cluster's backup onto the first (an ACTIVE cluster without HSMs is an emptied one)
   */
  readonly criticalPathMs: number;
  readonly deployMs: number;
  readonly ratio: number;
  /** virtual ms between the first and the last HSM's CREATE_IN_PROGRESS */
  readonly startSpreadMs: number;
  readonly invocations: number;
  readonly apiCalls: Record<string, number>;
}

/** The template with each HSM depending on the one declared before it. */
export function chained(t: CfnTemplate): CfnTemplate {
  const copy = JSON.parse(JSON.stringify(t)) as CfnTemplate;
  const hsms = Object.keys(copy.Resources ?? {}).filter((id) => copy.Resources![id].Type === 'Custom::CloudHsmHsm').sort();
  hsms.slice(1).forEach((id, i) => {
    const r = copy.Resources![id] as { DependsOn?: string | string[] };
    r.DependsOn = [...[r.DependsOn ?? []].flat(), hsms[i]];
  });
  return copy;
}

export async function runFleetDeploy(scenario: FleetScenario, timings: ServiceTimings, seed = 1): Promise<FleetRun> {
  const sim = new CloudHsmSimulator({ seed, timings });
  const server = await startSimulatorServer(sim);
  try {
    const harness = new DeployHarness({ sim, endpoint: server.url, stackName: 'Fleet', seed });
    const empty = await harness.deploy(clusterTemplate('Fleet', 0, false, scenario.intervalS));
    if (empty.outcome.status !== 'success') throw new Error(`${scenario.name}: cluster create failed: ${JSON.stringify(empty.outcome)}`);
    const clusterId = Object.values(empty.resources).find((r) => r.type === 'Custom::CloudHsmCluster')?.physicalId;
    if (!clusterId) throw new Error('no cluster id in the report');
    sim.forceClusterState(REGION, clusterId, 'INITIALIZED');
    sim.activateCluster(REGION, clusterId);
    // The activation's backup is READY before the HSMs come (the first waits for one being made).
    sim.advance(sim.timings.backupCreateMs);

    const template = clusterTemplate('Fleet', FLEET_HSMS, true, scenario.intervalS);
    const added = await harness.deploy(scenario.serial ? chained(template) : template);
    if (added.outcome.status !== 'success') throw new Error(`${scenario.name}: adding HSMs failed: ${JSON.stringify(added.outcome)}`);
    const starts = added.transitions
      .filter((x) => x.kind === 'resource' && x.resourceType === 'Custom::CloudHsmHsm' && x.status === 'CREATE_IN_PROGRESS')
      .map((x) => x.elapsedMs);
    const criticalPathMs = timings.hsmCreateMs + sim.timings.hsmRestoreMs;
    return {
      timings,
      criticalPathMs,
      deployMs: added.simulatedMs,
      ratio: added.simulatedMs / criticalPathMs,
      startSpreadMs: Math.max(...starts) - Math.min(...starts),
      invocations: added.invocations.onEvent + added.invocations.isComplete,
      apiCalls: { ...added.apiCalls },
    };
  } finally {
    await server.close();
  }
}
