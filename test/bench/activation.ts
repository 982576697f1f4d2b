// "Nothing to ACTIVE with 3 HSMs": ONE deployment of a stack with a cluster, its initialization
// (Private CA fake), its activation on the admin host (the real setup.sh and activate.sh in the host
// sandbox) and 3 HSMs in two AZs. Timed on the simulator's virtual clock with the real bundled
// handler. The service's critical path: cluster creation, the first HSM, initialization, the
// activation command's delivery, then one HSM creation for the other HSMs, which an active cluster
// creates in parallel. The admin host boots meanwhile (its boot is shorter than cluster creation).
import { delayFirstCheck, DeployScenario, requestKey, ServiceTimings } from './deploy';
import { chained } from './fleet';
import { QUERY_INTERVAL_CONTEXT } from '../../src/private/provider';
import { activationTemplate, activationWorld } from '../fixtures/activation-stack';
import { DeployHarness } from '../harness/engine';
import { CfnTemplate, DeploymentReport } from '../harness/types';
import { CloudHsmSimulator, PrivateCaFake, startSimulatorServer } from '../sim';
import { Timings } from '../sim/types';

export const ACTIVATION_HSMS = 3;

export interface ActivationScenario extends DeployScenario {
  /** each HSM after the previous one (DependsOn chain added to the template) */
  readonly serial: boolean;
}

export interface ActivationRun {
  readonly timings: ServiceTimings;
  readonly criticalPathMs: number;
  readonly deployMs: number;
  readonly ratio: number;
  /** virtual ms between the second and the last HSM's CREATE_IN_PROGRESS (the HSMs after activation) */
  readonly laterHsmsSpreadMs: number;
  readonly invocations: number;
  readonly apiCalls: Record<string, number>;
}

/**
 * One timed deployment of `template` (the activation world around the simulator), and the
 * simulator's timings; with `redeploy`, that template is deployed after it (its report: `again`).
 */
export async function deployOnce(scenario: DeployScenario, timings: ServiceTimings, template: CfnTemplate, seed = 1, redeploy?: CfnTemplate):
Promise<{ report: DeploymentReport; serviceTimings: Timings; again?: DeploymentReport }> {
  const sim = new CloudHsmSimulator({ seed, timings });
  const pca = new PrivateCaFake({ clock: sim.clock });
  const server = await startSimulatorServer(sim, 0, pca);
  const sandbox = activationWorld(sim, pca, server.url);
  const createdByOnEvent = new Set<string>();
  let before: Record<string, number> = {};
  try {
    const harness = new DeployHarness({
      sim,
      endpoint: server.url,
      stackName: 'Activation',
      seed,
      faults: {
        beforeInvoke: (info) => {
          delayFirstCheck(sim, scenario, info, createdByOnEvent);
          if (info.fn === 'onEvent') before = { ...sim.callCounts() };
        },
        afterInvoke: (info) => {
          if (info.fn !== 'onEvent') return;
          const after = sim.callCounts();
          if (Object.keys(after).some((op) => op.startsWith('Create') && after[op] > (before[op] ?? 0))) createdByOnEvent.add(requestKey(info));
        },
      },
    });
    const report = await harness.deploy(template);
    if (report.outcome.status !== 'success') throw new Error(`${scenario.name}: deploy failed: ${JSON.stringify(report.outcome)}`);
    if (sim.timings.instanceBootMs > sim.timings.clusterCreateMs + sim.timings.hsmCreateMs) {
      throw new Error('the admin host boots longer than the cluster and its first HSM take: the critical path does not hold');
    }
    const again = redeploy ? await harness.deploy(redeploy) : undefined;
    return { report, serviceTimings: sim.timings, again };
  } finally {
    sandbox.dispose();
    await server.close();
  }
}

/** The service's critical path of a new cluster to ACTIVE with its other HSMs (see the header). */
export function activationCriticalPathMs(t: Timings): number {
  return t.clusterCreateMs + t.hsmCreateMs + t.initializeMs + t.commandDeliveryMs + t.hsmCreateMs;
}

export async function runActivationDeploy(scenario: ActivationScenario, timings: ServiceTimings, seed = 1): Promise<ActivationRun> {
  const template = activationTemplate('Activation', { [QUERY_INTERVAL_CONTEXT]: scenario.intervalS });
  const { report, serviceTimings } = await deployOnce(scenario, timings, scenario.serial ? chained(template) : template, seed);
  const criticalPathMs = activationCriticalPathMs(serviceTimings);
  const starts = report.transitions
    .filter((x) => x.kind === 'resource' && x.resourceType === 'Custom::CloudHsmHsm' && x.status === 'CREATE_IN_PROGRESS')
    .map((x) => x.elapsedMs)
    .sort((a, b) => a - b)
    .slice(1);
  return {
    timings,
    criticalPathMs,
    deployMs: report.simulatedMs,
    ratio: report.simulatedMs / criticalPathMs,
    laterHsmsSpreadMs: Math.max(...starts) - Math.min(...starts),
    invocations: report.invocations.onEvent + report.invocations.isComplete,
    apiCalls: { ...report.apiCalls },
  };
}
