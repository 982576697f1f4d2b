// "0 -> 2 HSMs on an emptied cluster": an ACTIVE cluster whose HSMs were all deleted (deployed with
// two HSMs, then with none; not timed) gets two HSMs back in one deployment. The service's critical
// path is the first HSM with the restore of the latest backup onto it, then one wave of the other
// HSMs created together: hsmCreateMs + hsmRestoreMs + hsmCreateMs. Timed on the simulator's virtual
// clock with the real bundled handler.
import { App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { REGION } from './templates';
import { HsmCluster } from '../../src';
import { QUERY_INTERVAL_CONTEXT } from '../../src/private/provider';
import { DeployHarness } from '../harness/engine';
import { CfnTemplate } from '../harness/types';
import { CloudHsmSimulator, startSimulatorServer } from '../sim';
import { Timings } from '../sim/types';

export const EMPTIED_HSMS = 2;

export interface EmptiedRun {
  readonly timings: Pick<Timings, 'hsmCreateMs' | 'hsmRestoreMs'>;
  /** restore + one parallel HSM wave */
  readonly criticalPathMs: number;
  readonly deployMs: number;
  readonly ratio: number;
  /** virtual ms from the first CreateHsm to the second */
  readonly secondCreateAfterMs: number;
  readonly apiCalls: Record<string, number>;
}

/** An activated cluster that may be emptied (allowZeroHsms), with `hsms` HSMs spread over two zones. */
export function emptiedTemplate(hsms: number, intervalS: number): CfnTemplate {
  const app = new App({ context: { [QUERY_INTERVAL_CONTEXT]: intervalS } });
  const stack = new Stack(app, 'Emptied', { env: { account: '123456789012', region: REGION } });
  Validations.of(stack).acknowledge({ id: 'CloudFormation-Validate::W3010', reason: 'CloudHSM places each HSM in a named Availability Zone' });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    natGateways: 0,
    subnetConfiguration: [{ name: 'hsm', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
  });
  const cluster = new HsmCluster(stack, 'Cluster', { vpc, removalPolicy: RemovalPolicy.DESTROY, activated: true, allowZeroHsms: true });
  cluster.addHsms(hsms);
  return app.synth().getStackByName('Emptied').template as CfnTemplate;
}

export async function runEmptiedScaleUp(intervalS: number, timings: Partial<Timings> = {}, seed = 1): Promise<EmptiedRun> {
  const sim = new CloudHsmSimulator({ seed, timings });
  const server = await startSimulatorServer(sim);
  const step = async (h: DeployHarness, hsms: number, what: string) => {
    const r = await h.deploy(emptiedTemplate(hsms, intervalS));
    if (r.outcome.status !== 'success') throw new Error(`${what} failed: ${JSON.stringify(r.outcome)}`);
    return r;
  };
  try {
    const harness = new DeployHarness({ sim, endpoint: server.url, stackName: 'Emptied', seed });
    const empty = await step(harness, 0, 'the cluster');
    const clusterId = Object.values(empty.resources).find((r) => r.type === 'Custom::CloudHsmCluster')!.physicalId;
    sim.forceClusterState(REGION, clusterId, 'INITIALIZED');
    sim.activateCluster(REGION, clusterId);
    await step(harness, EMPTIED_HSMS, 'the first HSMs');
    await step(harness, 0, 'the scale-down');
    sim.advance(sim.timings.backupCreateMs);

    sim.resetCallCounts();
    const startMs = sim.clock.now();
    const back = await step(harness, EMPTIED_HSMS, 'the scale-up');
    const creates = sim.calls.list().filter((c) => c.operation === 'CreateHsm' && c.outcome === 'ok' && c.virtualMs >= startMs).map((c) => c.virtualMs);
    const criticalPathMs = 2 * sim.timings.hsmCreateMs + sim.timings.hsmRestoreMs;
    return {
      timings: { hsmCreateMs: sim.timings.hsmCreateMs, hsmRestoreMs: sim.timings.hsmRestoreMs },
      criticalPathMs,
      deployMs: back.simulatedMs,
      ratio: back.simulatedMs / criticalPathMs,
      secondCreateAfterMs: creates.length === 2 ? creates[1] - creates[0] : NaN,
      apiCalls: { ...back.apiCalls },
    };
  } finally {
    await server.close();
  }
}
