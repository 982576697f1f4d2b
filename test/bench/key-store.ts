// "Nothing to a CONNECTED key store with a key": ONE deployment of the activation stack (cluster,
// Private CA initialization, activation on the admin host, 3 HSMs in two AZs) with an HsmKeyStore and
// a KMS key in it, timed on the simulator's virtual clock with the real bundled handler and the real
// host scripts. The service's critical path: the activation's (cluster, first HSM, initialization,
// the activation command's delivery, the other HSMs together), then the kmsuser command's delivery
// (the key store waits for every HSM: KMS needs two ACTIVE in two AZs), then the key store's
// connection (ConnectCustomKeyStore until CONNECTED); CreateCustomKeyStore and CreateKey take no
// service time in the simulator. The same app, synthesized again, is then deployed unchanged: the
// cost of a no-op redeploy.
import { RemovalPolicy } from 'aws-cdk-lib';
import { activationCriticalPathMs, deployOnce } from './activation';
import { DeployScenario, ServiceTimings } from './deploy';
import { HsmKeyStore } from '../../src';
import { QUERY_INTERVAL_CONTEXT } from '../../src/private/provider';
import { activationTemplate } from '../fixtures/activation-stack';
import { CfnTemplate } from '../harness/types';
import { Timings } from '../sim/types';

export interface KeyStoreRun {
  readonly timings: ServiceTimings;
  readonly criticalPathMs: number;
  readonly deployMs: number;
  readonly ratio: number;
  /** virtual ms from the key store's CREATE_IN_PROGRESS to the key's CREATE_COMPLETE */
  readonly keyStoreToKeyMs: number;
  readonly invocations: number;
  readonly apiCalls: Record<string, number>;
  /** the same app synthesized again and deployed unchanged: what that cost */
  readonly noopRedeploy: { readonly apiCalls: number; readonly invocations: number; readonly simulatedMs: number; readonly changes: number };
}

/** The service's critical path of the deployment (see the header). */
export function keyStoreCriticalPathMs(t: Timings): number {
  return activationCriticalPathMs(t) + t.commandDeliveryMs + t.keyStoreConnectMs;
}

function keyStoreTemplate(intervalS: number): CfnTemplate {
  return activationTemplate('Activation', { [QUERY_INTERVAL_CONTEXT]: intervalS }, (stack, cluster) => {
    const keyStore = new HsmKeyStore(stack, 'KeyStore', { cluster, removalPolicy: RemovalPolicy.DESTROY });
    keyStore.addKey('Key', { removalPolicy: RemovalPolicy.DESTROY });
  });
}

export async function runKeyStoreDeploy(scenario: DeployScenario, timings: ServiceTimings, seed = 1): Promise<KeyStoreRun> {
  const { report, serviceTimings, again } = await deployOnce(scenario, timings, keyStoreTemplate(scenario.intervalS), seed,
    keyStoreTemplate(scenario.intervalS));
  const criticalPathMs = keyStoreCriticalPathMs(serviceTimings);
  const at = (type: string, status: string) => report.transitions
    .find((x) => x.kind === 'resource' && x.resourceType === type && x.status === status)?.elapsedMs ?? NaN;
  return {
    timings,
    criticalPathMs,
    deployMs: report.simulatedMs,
    ratio: report.simulatedMs / criticalPathMs,
    keyStoreToKeyMs: at('Custom::CloudHsmKmsKey', 'CREATE_COMPLETE') - at('Custom::CloudHsmKeyStore', 'CREATE_IN_PROGRESS'),
    invocations: report.invocations.onEvent + report.invocations.isComplete,
    apiCalls: { ...report.apiCalls },
    noopRedeploy: {
      apiCalls: Object.values(again!.apiCalls).reduce((a, b) => a + b, 0),
      invocations: again!.invocations.onEvent + again!.invocations.isComplete,
      simulatedMs: again!.simulatedMs,
      changes: again!.changes.length,
    },
  };
}
