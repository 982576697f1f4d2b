// Fault lifecycles of crypto-user stacks: a cluster initialized with given certificates, activated
// on its admin host, two HSMs, and the crypto user `signer` (create-crypto-user.sh on the host),
// kept (the default) or deleted (DESTROY) with the stack. Faults: the SendCommand response lost
// (the command runs, the caller sees a 500), onEvent of the user delivered twice (one after the
// other or at the same moment), the user's command failing once on the host, SSM throttling. A
// first deployment that fails is deployed again without the one-shot faults, then the stack is
// destroyed. Invariants: never two users for one construct, nothing orphaned, nothing stuck, every
// failure names its resource.

import { App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ACTIVATION_STORIES, failureFigures, seededRandom } from './activation';
import { keyStoreOrphans } from './key-store';
import { ClusterCertificates, ClusterInitialization, CryptoUser, HsmCluster } from '../../src';
import { DeployHarness } from '../harness/engine';
import { CfnTemplate, DeploymentReport } from '../harness/types';
import { CloudHsmSimulator } from '../sim';
import { HostSandbox } from '../sim/host/sandbox';

const REGION = 'us-east-1';
export const CRYPTO_USER_FAULTS = ['lostSendCommand', 'duplicateDelivery', 'duplicateConcurrently', 'failingUserCommand', 'ssmThrottle'] as const;
export type CryptoUserFault = typeof CRYPTO_USER_FAULTS[number];

/** Every tenth seed (7, 17, 27, ...: odd, so never an activation seed, and neither a key-store, a scale-to-zero nor a second-path one) runs a crypto-user stack. */
export function isCryptoUserSeed(seed: number): boolean {
  return seed % 10 === 7;
}

const pem = (body: string) => `-----BEGIN CERTIFICATE-----\n${Buffer.from(body).toString('base64')}\n-----END CERTIFICATE-----`;
const CERTS: ClusterCertificates = { signedCertificate: pem('fault-suite crypto user cluster certificate'), trustAnchor: pem('fault-suite crypto user trust anchor') };

const cached = new Map<boolean, CfnTemplate>();
export function cryptoUserStackTemplate(destroy: boolean): CfnTemplate {
  const hit = cached.get(destroy);
  if (hit) return hit;
  const app = new App();
  const stack = new Stack(app, 'FaultCryptoUser', { env: { account: '123456789012', region: REGION } });
  Validations.of(stack).acknowledge({ id: 'CloudFormation-Validate::W3010', reason: 'CloudHSM places each HSM in a named Availability Zone' });
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 1 });
  const cluster = new HsmCluster(stack, 'Cluster', {
    vpc, removalPolicy: RemovalPolicy.DESTROY, initialization: ClusterInitialization.fromCertificates(CERTS), activation: {},
  });
  cluster.addHsm('Hsm1', { availabilityZone: 'us-east-1a' });
  cluster.addHsm('Hsm2', { availabilityZone: 'us-east-1b' });
  new CryptoUser(stack, 'Signer', { cluster, username: 'signer', removalPolicy: destroy ? RemovalPolicy.DESTROY : undefined });
  const t = app.synth().getStackByName('FaultCryptoUser').template as CfnTemplate;
  cached.set(destroy, t);
  return t;
}

const NAMED = /(HsmCluster|HsmActivation|CryptoUser|Hsm) [A-Za-z0-9]+/;

/** The user's command fails once on the host: injected when the first crypto-user command is about to be sent. */
function failUserCommandOnce(sim: CloudHsmSimulator): () => void {
  let injected = false;
  return () => {
    if (injected || !sim.runCommand.all().some((c) => c.comment.startsWith('cdk-cloudhsm activate') && c.invocations[0]?.status === 'Success')) return;
    injected = true;
    sim.injectCommandFault({ kind: 'fail', nextCalls: 1, exitCode: 10, stderr: 'cdk-cloudhsm crypto-user: user create failed (injected)\n' });
  };
}

export interface CryptoUserLifecycle {
  readonly seed: number;
  readonly stack: 'crypto-user';
  readonly story: typeof ACTIVATION_STORIES[number];
  readonly faults: CryptoUserFault[];
  readonly orphans: string[];
  readonly stuck: boolean;
  readonly unnamedFailures: string[];
  readonly failures: number;
}

/** One lifecycle of a crypto-user stack, on a fresh simulator state and a fresh host sandbox. */
export async function runCryptoUserLifecycle(seed: number, sim: CloudHsmSimulator, endpoint: string): Promise<CryptoUserLifecycle> {
  const next = seededRandom(seed * 37);
  const story = ACTIVATION_STORIES[Math.floor(next() * ACTIVATION_STORIES.length)];
  const destroy = next() < 0.5;
  const faults = CRYPTO_USER_FAULTS.filter(() => next() < 0.35);
  sim.reset();
  const sandbox = new HostSandbox({ endpoint, region: REGION });
  sim.setCommandRunner(sandbox.runner);
  const reports: DeploymentReport[] = [];
  const twoUsers: string[] = [];
  let harness: DeployHarness | undefined;
  try {
    if (faults.includes('lostSendCommand')) sim.injectFault({ kind: 'dropResponse', operation: 'SendCommand', nthCall: 2 });
    if (faults.includes('ssmThrottle')) {
      for (const operation of ['SendCommand', 'ListCommands', 'GetCommandInvocation', 'DescribeInstanceInformation'] as const) {
        sim.injectFault({ kind: 'throttle', operation, rate: 0.15 });
      }
    }
    const failOnce = faults.includes('failingUserCommand') ? failUserCommandOnce(sim) : undefined;
    const duplicate = faults.includes('duplicateDelivery') || faults.includes('duplicateConcurrently');
    harness = new DeployHarness({
      sim,
      endpoint,
      stackName: 'FaultCryptoUser',
      seed,
      faults: {
        duplicateOnEvent: duplicate ? { requestType: 'Create', resourceType: 'Custom::CloudHsmCryptoUser', times: 2 } : undefined,
        duplicateConcurrently: faults.includes('duplicateConcurrently'),
        afterInvoke: failOnce,
      },
    });
    const deploy = async () => {
      const report = await harness!.deploy(cryptoUserStackTemplate(destroy));
      reports.push(report);
      const clusterId = sim.listResources().find((r) => r.type === 'cluster' && r.state !== 'DELETED' && r.state !== 'DELETE_IN_PROGRESS')?.id;
      const users = clusterId ? sim.hsmUsers.of(REGION, clusterId).filter((u) => u.username === 'signer').length : 0;
      if (users > 1) twoUsers.push(`${users} users named signer on ${clusterId}`);
      if (report.outcome.status === 'success' && clusterId && users !== 1) twoUsers.push(`${users} users named signer after a successful deployment`);
    };
    await deploy();
    if (story === 'create-redeploy-destroy' || reports[0].outcome.status !== 'success') await deploy();
    reports.push(await harness.destroy());
  } finally {
    sim.clearFaults();
    sim.clearCommandFaults();
    await sim.settle();
    sim.setCommandRunner(undefined);
    sandbox.dispose();
  }
  sim.advance(2 * 60 * 60_000);
  const { unnamed, stuck, failures } = failureFigures(reports, NAMED);
  const orphans = [...keyStoreOrphans(sim, new Set(harness.retained.map((r) => r.physicalId))), ...twoUsers];
  if (process.env.CDK_CLOUDHSM_FAULT_DEBUG === '1') {
    for (const r of reports) console.log(`  ${r.operation} ${r.stackStatus} ${JSON.stringify(r.outcome)}`);
  }
  return { seed, stack: 'crypto-user', story, faults: [...faults], orphans, stuck, unnamedFailures: unnamed, failures };
}
