// Fault lifecycles of key-store stacks: a cluster initialized with given certificates, activated on
// its admin host, two HSMs in two AZs, the crypto user kmsuser (create-kmsuser.sh on the host), a
// CloudHSM key store connected to the cluster, one KMS key in it and an S3 bucket encrypted by the
// key; removal policies RETAIN (the library's default) or DESTROY. KMS faults: throttling, lost
// responses of CreateCustomKeyStore / ConnectCustomKeyStore / CreateKey / ScheduleKeyDeletion (the
// call runs, the caller sees a 500), a connection that FAILs once (NETWORK_ERRORS), onEvent of the
// key store or the key delivered twice (one after the other or at the same moment). A first
// deployment that fails is deployed again without the one-shot faults, then the stack is destroyed.
// Invariants: nothing orphaned (a key pending deletion is on its way out; a DESTROY key store that
// still holds keys pending deletion is left disconnected, as documented), nothing stuck, every
// failure names its resource.

import { App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ACTIVATION_STORIES, endHostLifecycle, failureFigures, seededRandom } from './activation';
import { ClusterCertificates, ClusterInitialization, HsmCluster, HsmKeyStore } from '../../src';
import { DeployHarness } from '../harness/engine';
import { CfnTemplate, DeploymentReport } from '../harness/types';
import { CloudHsmSimulator } from '../sim';
import { HostSandbox } from '../sim/host/sandbox';

const REGION = 'us-east-1';
export const KEY_STORE_FAULTS = [
  'kmsThrottle', 'lostCreateCustomKeyStore', 'lostConnect', 'lostCreateKey', 'lostScheduleKeyDeletion',
  'connectionFailsOnce', 'duplicateDelivery', 'duplicateConcurrently',
] as const;
export type KeyStoreFault = typeof KEY_STORE_FAULTS[number];

/** Every tenth seed (5, 15, 25, ...: odd, so never an activation seed) runs a key-store stack. */
export function isKeyStoreSeed(seed: number): boolean {
  return seed % 10 === 5;
}

export interface KeyStoreLifecycle {
  readonly seed: number;
  readonly stack: 'key-store+key';
  readonly story: typeof ACTIVATION_STORIES[number];
  readonly faults: KeyStoreFault[];
  readonly orphans: string[];
  readonly stuck: boolean;
  readonly unnamedFailures: string[];
  readonly failures: number;
  /** the stack operations' outcomes, in order */
  readonly outcomes: string[];
}

const pem = (body: string) => `-----BEGIN CERTIFICATE-----\n${Buffer.from(body).toString('base64')}\n-----END CERTIFICATE-----`;
const CERTS: ClusterCertificates = { signedCertificate: pem('fault-suite key store cluster certificate'), trustAnchor: pem('fault-suite key store trust anchor') };

const cached = new Map<string, CfnTemplate>();
export function keyStoreStackTemplate(destroy: boolean): CfnTemplate {
  return keyStoreStackTemplateNamed(undefined, destroy);
}

/** The key-store stack with a given key-store name (default: the construct's). */
export function keyStoreStackTemplateNamed(customKeyStoreName: string | undefined, destroy = false): CfnTemplate {
  const cacheKey = `${customKeyStoreName}/${destroy}`;
  const hit = cached.get(cacheKey);
  if (hit) return hit;
  const app = new App();
  const stack = new Stack(app, 'FaultKeyStore', { env: { account: '123456789012', region: REGION } });
  Validations.of(stack).acknowledge({ id: 'CloudFormation-Validate::W3010', reason: 'CloudHSM places each HSM in a named Availability Zone' });
  const removalPolicy = destroy ? RemovalPolicy.DESTROY : undefined;
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 1 });
  const cluster = new HsmCluster(stack, 'Cluster', {
    vpc, removalPolicy, initialization: ClusterInitialization.fromCertificates(CERTS), activation: {},
  });
  cluster.addHsm('Hsm1', { availabilityZone: 'us-east-1a' });
  cluster.addHsm('Hsm2', { availabilityZone: 'us-east-1b' });
  const keyStore = new HsmKeyStore(stack, 'KeyStore', { cluster, removalPolicy, customKeyStoreName });
  const key = keyStore.addKey('Key', { alias: 'alias/fault-suite', removalPolicy });
  new s3.Bucket(stack, 'Data', { encryption: s3.BucketEncryption.KMS, encryptionKey: key, removalPolicy });
  const t = app.synth().getStackByName('FaultKeyStore').template as CfnTemplate;
  cached.set(cacheKey, t);
  return t;
}

const NAMED = /(HsmCluster|HsmActivation|HsmKeyStore|HsmKey|Hsm|BackupCopy) [A-Za-z0-9]+/;

function injectKmsFaults(sim: CloudHsmSimulator, faults: readonly KeyStoreFault[]): void {
  const lost = { lostCreateCustomKeyStore: 'CreateCustomKeyStore', lostConnect: 'ConnectCustomKeyStore', lostCreateKey: 'CreateKey', lostScheduleKeyDeletion: 'ScheduleKeyDeletion' } as const;
  for (const [fault, operation] of Object.entries(lost)) {
    if (faults.includes(fault as KeyStoreFault)) sim.injectFault({ kind: 'dropResponse', operation, nthCall: 1 });
  }
  if (faults.includes('connectionFailsOnce')) sim.injectConnectionFault({ errorCode: 'NETWORK_ERRORS' });
  if (faults.includes('kmsThrottle')) {
    for (const operation of ['CreateCustomKeyStore', 'DescribeCustomKeyStores', 'ConnectCustomKeyStore', 'CreateKey', 'DescribeKey', 'ListKeys', 'ScheduleKeyDeletion'] as const) {
      sim.injectFault({ kind: 'throttle', operation, rate: 0.15 });
    }
  }
}

/**
 * What is left that nothing accounts for: not deleted, not a service backup, not retained by policy
 * (nor in a retained cluster), not a key pending deletion, and not a key store left disconnected
 * because it still holds keys pending deletion.
 */
export function keyStoreOrphans(sim: CloudHsmSimulator, retainedIds: ReadonlySet<string>): string[] {
  const all = sim.listResources();
  const waitingForKeys = (id: string) => {
    const keys = all.filter((r) => r.type === 'kms-key' && r.keyStoreId === id);
    return keys.length > 0 && keys.every((k) => k.state === 'PendingDeletion');
  };
  return all
    .filter((r) => r.state !== 'DELETED' && r.state !== 'terminated' && r.type !== 'backup')
    .filter((r) => !(r.type === 'kms-key' && r.state === 'PendingDeletion'))
    .filter((r) => !(r.type === 'key-store' && r.state === 'DISCONNECTED' && waitingForKeys(r.id)))
    .filter((r) => !retainedIds.has(r.id) && !(r.type === 'hsm' && r.clusterId !== undefined && retainedIds.has(r.clusterId)))
    .map((r) => `${r.region} ${r.type} ${r.id} ${r.state}`);
}

/** What a seed's key-store lifecycle does: its story, removal policy, faults, the duplicated resource type. */
export function keyStorePlan(seed: number) {
  const next = seededRandom(seed * 31);
  const story = ACTIVATION_STORIES[Math.floor(next() * ACTIVATION_STORIES.length)];
  const destroy = next() < 0.5;
  const faults = KEY_STORE_FAULTS.filter(() => next() < 0.3);
  const duplicated = next() < 0.5 ? 'Custom::CloudHsmKeyStore' : 'Custom::CloudHsmKmsKey';
  return { story, destroy, faults, duplicated };
}

/** One lifecycle of a key-store stack, on a fresh simulator state and a fresh host sandbox. */
export async function runKeyStoreLifecycle(seed: number, sim: CloudHsmSimulator, endpoint: string): Promise<KeyStoreLifecycle> {
  const { story, destroy, faults, duplicated } = keyStorePlan(seed);
  sim.reset();
  const sandbox = new HostSandbox({ endpoint, region: REGION });
  sim.setCommandRunner(sandbox.runner);
  const reports: DeploymentReport[] = [];
  let harness: DeployHarness | undefined;
  try {
    injectKmsFaults(sim, faults);
    const duplicate = faults.includes('duplicateDelivery') || faults.includes('duplicateConcurrently');
    harness = new DeployHarness({
      sim,
      endpoint,
      stackName: 'FaultKeyStore',
      seed,
      faults: {
        duplicateOnEvent: duplicate ? { requestType: 'Create', resourceType: duplicated, times: 2 } : undefined,
        duplicateConcurrently: faults.includes('duplicateConcurrently'),
      },
    });
    reports.push(await harness.deploy(keyStoreStackTemplate(destroy)));
    if (story === 'create-redeploy-destroy' || reports[0].outcome.status !== 'success') {
      reports.push(await harness.deploy(keyStoreStackTemplate(destroy)));
    }
    reports.push(await harness.destroy());
  } finally {
    await endHostLifecycle(sim, sandbox);
  }
  sim.advance(2 * 60 * 60_000);
  const { unnamed, stuck, failures } = failureFigures(reports, NAMED);
  const orphans = keyStoreOrphans(sim, new Set(harness.retained.map((r) => r.physicalId)));
  if (process.env.CDK_CLOUDHSM_FAULT_DEBUG === '1') {
    for (const r of reports) console.log(`  ${r.operation} ${r.stackStatus} ${JSON.stringify(r.outcome)} warnings=${JSON.stringify(r.warnings)}`);
  }
  const outcomes = reports.map((r) => `${r.operation} ${r.outcome.status === 'success' ? r.stackStatus : `${r.stackStatus}: ${r.outcome.message}`}`);
  return { seed, stack: 'key-store+key', story, faults: [...faults], orphans, stuck, unnamedFailures: unnamed, failures, outcomes };
}
