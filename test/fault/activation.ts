// Fault lifecycles of stacks with activation: a cluster initialized with given certificates,
// activated on its admin host (the real setup.sh and activate.sh in the host sandbox) and a second
// HSM in another AZ. Faults of the activation command: its SendCommand response lost (the command
// runs, the caller sees a 500 and the SDK sends again), onEvent delivered twice (one after the
// other or at the same moment), a command that fails, a command that never ends (TimedOut after
// its execution timeout), and throttling of the SSM and Secrets Manager APIs. A first deployment
// that fails is deployed again without the command faults, then the stack is destroyed.
// Invariants as for the other lifecycles: nothing orphaned (clusters, HSMs, instances, secrets
// that are not retained on purpose), nothing stuck, every failure names its resource.

import { App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ClusterCertificates, ClusterInitialization, HsmCluster } from '../../src';
import { DeployHarness } from '../harness/engine';
import { CfnTemplate, DeploymentReport } from '../harness/types';
import { CloudHsmSimulator } from '../sim';
import { HostSandbox } from '../sim/host/sandbox';

const REGION = 'us-east-1';
export const ACTIVATION_STORIES = ['create-destroy', 'create-redeploy-destroy'] as const;
export const ACTIVATION_FAULTS = ['lostSendCommand', 'duplicateDelivery', 'duplicateConcurrently', 'failingCommand', 'neverEndingCommand', 'ssmThrottle'] as const;
export type ActivationFault = typeof ACTIVATION_FAULTS[number];

/** Every fourth seed runs a stack with activation. */
export function isActivationSeed(seed: number): boolean {
  return seed % 4 === 0;
}

export interface ActivationLifecycle {
  readonly seed: number;
  readonly stack: 'cluster+activation+hsm';
  readonly story: typeof ACTIVATION_STORIES[number];
  readonly faults: ActivationFault[];
  readonly orphans: string[];
  readonly stuck: boolean;
  readonly unnamedFailures: string[];
  readonly failures: number;
}

/** A seeded generator of its own (Park–Miller, first output dropped), independent of the other lifecycles'. */
export function seededRandom(seed: number): () => number {
  let state = (seed * 7919 % 2147483646) + 1;
  const next = () => {
    state = (state * 16807) % 2147483647;
    return (state - 1) / 2147483646;
  };
  next();
  return next;
}

const pem = (body: string) => `-----BEGIN CERTIFICATE-----\n${Buffer.from(body).toString('base64')}\n-----END CERTIFICATE-----`;
const CERTS: ClusterCertificates = { signedCertificate: pem('fault-suite cluster certificate'), trustAnchor: pem('fault-suite trust anchor') };

let cached: CfnTemplate | undefined;
export function activationStackTemplate(): CfnTemplate {
  if (cached) return cached;
  const app = new App();
  const stack = new Stack(app, 'FaultActivation', { env: { account: '123456789012', region: REGION } });
  Validations.of(stack).acknowledge({ id: 'CloudFormation-Validate::W3010', reason: 'CloudHSM places each HSM in a named Availability Zone' });
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 1 });
  const cluster = new HsmCluster(stack, 'Cluster', {
    vpc, removalPolicy: RemovalPolicy.DESTROY, initialization: ClusterInitialization.fromCertificates(CERTS), activation: {},
  });
  cluster.addHsm('Hsm1', { availabilityZone: 'us-east-1a' });
  cluster.addHsm('Hsm2', { availabilityZone: 'us-east-1b' });
  cached = app.synth().getStackByName('FaultActivation').template as CfnTemplate;
  return cached;
}

const NAMED = /(HsmCluster|HsmActivation|Hsm|BackupCopy) [A-Za-z0-9]+/;

function injectCommandFaults(sim: CloudHsmSimulator, faults: readonly ActivationFault[]): void {
  if (faults.includes('failingCommand')) sim.injectCommandFault({ kind: 'fail', nextCalls: 1, exitCode: 10, stderr: 'cdk-cloudhsm activate: cluster activate failed (injected)\n' });
  else if (faults.includes('neverEndingCommand')) sim.injectCommandFault({ kind: 'hang', nextCalls: 1 });
  if (faults.includes('lostSendCommand')) sim.injectFault({ kind: 'dropResponse', operation: 'SendCommand', nthCall: 1 });
  if (faults.includes('ssmThrottle')) {
    for (const operation of ['SendCommand', 'ListCommands', 'GetCommandInvocation', 'DescribeInstanceInformation', 'GetSecretValue'] as const) {
      sim.injectFault({ kind: 'throttle', operation, rate: 0.15 });
    }
  }
}

/**
 * The end of a lifecycle with a host sandbox: faults cleared, running commands settled, the sandbox
 * gone.
 */
export async function endHostLifecycle(sim: CloudHsmSimulator, sandbox: HostSandbox): Promise<void> {
  sim.clearFaults();
  sim.clearCommandFaults();
  await sim.settle();
  sim.setCommandRunner(undefined);
  sandbox.dispose();
}

/** Failed stack operations: how many, whether one was stuck (a waiter ran out), messages that name no resource. */
export function failureFigures(reports: readonly DeploymentReport[], named: RegExp): { unnamed: string[]; stuck: boolean; failures: number } {
  const out = { unnamed: [] as string[], stuck: false, failures: 0 };
  for (const r of reports) {
    if (r.outcome.status !== 'failed') continue;
    out.failures++;
    if (/timed out|did not complete|waiter/i.test(r.outcome.message)) out.stuck = true;
    if (!named.test(r.outcome.message)) out.unnamed.push(r.outcome.message);
  }
  return out;
}

/** One lifecycle of the stack with activation, on a fresh simulator state and a fresh host sandbox. */
export async function runActivationLifecycle(seed: number, sim: CloudHsmSimulator, endpoint: string): Promise<ActivationLifecycle> {
  const next = seededRandom(seed);
  sim.reset();
  const story = ACTIVATION_STORIES[Math.floor(next() * ACTIVATION_STORIES.length)];
  const faults = ACTIVATION_FAULTS.filter(() => next() < 0.35);
  const sandbox = new HostSandbox({ endpoint, region: REGION });
  sim.setCommandRunner(sandbox.runner);
  const reports: DeploymentReport[] = [];
  let harness: DeployHarness | undefined;
  try {
    injectCommandFaults(sim, faults);
    // Duplicates of the activation's onEvent (those of clusters and HSMs are the other lifecycles' faults).
    const duplicate = faults.includes('duplicateDelivery') || faults.includes('duplicateConcurrently');
    harness = new DeployHarness({
      sim,
      endpoint,
      stackName: 'FaultActivation',
      seed,
      faults: {
        duplicateOnEvent: duplicate ? { requestType: 'Create', resourceType: 'Custom::CloudHsmActivation', times: 2 } : undefined,
        duplicateConcurrently: faults.includes('duplicateConcurrently'),
      },
    });
    reports.push(await harness.deploy(activationStackTemplate()));
    if (story === 'create-redeploy-destroy' || reports[0].outcome.status !== 'success') {
      // The faults of the command are gone (a retry by the user); the API faults stay.
      sim.clearCommandFaults();
      reports.push(await harness.deploy(activationStackTemplate()));
    }
    reports.push(await harness.destroy());
  } finally {
    await endHostLifecycle(sim, sandbox);
  }
  sim.advance(2 * 60 * 60_000);

  const { unnamed, stuck, failures } = failureFigures(reports, NAMED);
  const retained = new Set(harness.retained.map((r) => r.physicalId));
  // Backups the service makes when HSMs are deleted are the service's own; retained resources are kept on purpose.
  const orphans = sim.listResources()
    .filter((r) => r.state !== 'DELETED' && r.state !== 'terminated' && r.type !== 'backup')
    .filter((r) => !retained.has(r.id) && !(r.clusterId !== undefined && retained.has(r.clusterId)))
    .map((r) => `${r.region} ${r.type} ${r.id} ${r.state}`);
  if (process.env.CDK_CLOUDHSM_FAULT_DEBUG === '1') {
    for (const r of reports) console.log(`  ${r.operation} ${r.stackStatus} ${JSON.stringify(r.outcome)} warnings=${JSON.stringify(r.warnings)}`);
  }
  return { seed, stack: 'cluster+activation+hsm', story, faults: [...faults], orphans, stuck, unnamedFailures: unnamed, failures };
}
