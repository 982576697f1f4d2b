// Fault lifecycles of issue #23's second paths, each with a key store and a KMS key:
// - host-replaced: a cluster activated by the stack; the next deployment replaces the admin host
//   (a new image) and adds the key store, whose kmsuser command runs on the new host;
// - imported-cluster: an existing ACTIVE cluster (one HSM, made and activated outside the stack)
//   imported with its admin secret and trust anchor; the stack adds an HSM in a second zone, an
//   admin host, kmsuser, the key store and the key;
// - wrong-secret: the same, on a cluster with two HSMs, whose admin secret holds a wrong password:
//   deployed 2 to 6 times (each fails, rolls back and takes its admin host with it), then the
//   operator puts the right password in the secret and the deployment succeeds.
// API faults (KMS and SSM throttling, a lost SendCommand response) and duplicated deliveries of the
// key store's onEvent. Invariants: nothing orphaned (what the operator made outside the stack is
// theirs), nothing stuck, every failure names its resource (a wrong secret: the secret too), and
// no HSM user locked out.

import { App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { endHostLifecycle, failureFigures, seededRandom } from './activation';
import { keyStoreOrphans } from './key-store';
import { ClusterCertificates, ClusterInitialization, HsmCluster, HsmKeyStore } from '../../src';
import { activeClusterOutside, importedClusterTemplate, OUTSIDE_ADMIN_PASSWORD, REGION } from '../fixtures/existing-cluster';
import { DeployHarness } from '../harness/engine';
import { CfnTemplate, DeploymentReport } from '../harness/types';
import { CloudHsmSimulator } from '../sim';
import { HostSandbox } from '../sim/host/sandbox';

export const EXISTING_KINDS = ['host-replaced', 'imported-cluster', 'wrong-secret'] as const;
export type ExistingKind = typeof EXISTING_KINDS[number];
export const EXISTING_FAULTS = ['kmsThrottle', 'ssmThrottle', 'lostSendCommand', 'duplicateDelivery', 'duplicateConcurrently'] as const;
export type ExistingFault = typeof EXISTING_FAULTS[number];

/** Seeds ending in 3 or 9 (odd: never an activation seed; never a key-store seed) run these lifecycles. */
export function isExistingSeed(seed: number): boolean {
  return seed % 10 === 3 || seed % 10 === 9;
}

export interface ExistingLifecycle {
  readonly seed: number;
  readonly stack: `existing:${ExistingKind}`;
  readonly story: string;
  readonly faults: ExistingFault[];
  readonly orphans: string[];
  readonly stuck: boolean;
  readonly unnamedFailures: string[];
  readonly failures: number;
  /** HSM users locked out at the end, `<cluster> <user>` */
  readonly lockedUsers: string[];
}

/** What a seed's lifecycle does; the kinds take turns over the seeds that run them. */
export function existingPlan(seed: number) {
  const turn = Math.floor(seed / 10) * 2 + (seed % 10 === 9 ? 1 : 0);
  const kind = EXISTING_KINDS[turn % EXISTING_KINDS.length];
  const next = seededRandom(seed * 37);
  const destroy = next() < 0.5;
  const faults = EXISTING_FAULTS.filter(() => next() < 0.3);
  const wrongDeployments = 2 + Math.floor(next() * 5);
  return { kind, destroy, faults, wrongDeployments };
}

const pem = (body: string) => `-----BEGIN CERTIFICATE-----\n${Buffer.from(body).toString('base64')}\n-----END CERTIFICATE-----`;
const CERTS: ClusterCertificates = { signedCertificate: pem('fault-suite host-replaced cluster certificate'), trustAnchor: pem('fault-suite host-replaced trust anchor') };

const cached = new Map<string, CfnTemplate>();
/** A cluster activated by the stack whose admin host runs `ami`; with `keyStore`, a key store and a key on it. */
function hostReplacedTemplate(ami: string, keyStore: boolean, destroy: boolean): CfnTemplate {
  const cacheKey = `${ami}/${keyStore}/${destroy}`;
  const hit = cached.get(cacheKey);
  if (hit) return hit;
  const app = new App();
  const stack = new Stack(app, 'FaultExisting', { env: { account: '123456789012', region: REGION } });
  Validations.of(stack).acknowledge({ id: 'CloudFormation-Validate::W3010', reason: 'CloudHSM places each HSM in a named Availability Zone' },
    { id: 'CloudFormation-Validate::W9010', reason: 'The fault suite pins the admin host\'s image to replace the host between deployments' });
  const removalPolicy = destroy ? RemovalPolicy.DESTROY : undefined;
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: [`${REGION}a`, `${REGION}b`], natGateways: 1 });
  const cluster = new HsmCluster(stack, 'Cluster', {
    vpc,
    removalPolicy: RemovalPolicy.DESTROY,
    initialization: ClusterInitialization.fromCertificates(CERTS),
    activation: { hostOptions: { machineImage: ec2.MachineImage.genericLinux({ [REGION]: ami }) } },
  });
  cluster.addHsm('Hsm1', { availabilityZone: `${REGION}a` });
  cluster.addHsm('Hsm2', { availabilityZone: `${REGION}b` });
  if (keyStore) new HsmKeyStore(stack, 'KeyStore', { cluster, removalPolicy }).addKey('Key', { removalPolicy });
  const t = app.synth().getStackByName('FaultExisting').template as CfnTemplate;
  cached.set(cacheKey, t);
  return t;
}

const NAMED = /(HsmCluster|HsmActivation|HsmKeyStore|HsmKey|Hsm) [A-Za-z0-9]+/;

function injectFaults(sim: CloudHsmSimulator, faults: readonly ExistingFault[]): void {
  if (faults.includes('lostSendCommand')) sim.injectFault({ kind: 'dropResponse', operation: 'SendCommand', nthCall: 1 });
  if (faults.includes('ssmThrottle')) {
    for (const operation of ['SendCommand', 'ListCommands', 'GetCommandInvocation', 'DescribeInstanceInformation', 'GetSecretValue'] as const) {
      sim.injectFault({ kind: 'throttle', operation, rate: 0.15 });
    }
  }
  if (faults.includes('kmsThrottle')) {
    for (const operation of ['CreateCustomKeyStore', 'DescribeCustomKeyStores', 'ConnectCustomKeyStore', 'CreateKey', 'DescribeKey'] as const) {
      sim.injectFault({ kind: 'throttle', operation, rate: 0.15 });
    }
  }
}

/** The HSM users locked out on any cluster of the simulator. */
export function lockedUsers(sim: CloudHsmSimulator): string[] {
  return sim.listResources().filter((r) => r.type === 'cluster')
    .flatMap((c) => sim.hsmUsers.of(c.region, c.id).filter((u) => u.locked).map((u) => `${c.id} ${u.username}`));
}

/** The stack operations of one lifecycle; returns a story of what it did and failures it saw that break the rules. */
type Story = (h: DeployHarness, reports: DeploymentReport[]) => Promise<{ story: string; misnamed: string[] }>;

/** Deploys `template`; a failed first attempt is deployed again (the user's retry), once. */
async function deployWithRetry(h: DeployHarness, reports: DeploymentReport[], template: CfnTemplate): Promise<void> {
  const report = await h.deploy(template);
  reports.push(report);
  if (report.outcome.status !== 'success') reports.push(await h.deploy(template));
}

function stories(sim: CloudHsmSimulator, plan: ReturnType<typeof existingPlan>): Story {
  const removalPolicy = plan.destroy ? RemovalPolicy.DESTROY : undefined;
  if (plan.kind === 'host-replaced') {
    return async (h, reports) => {
      await deployWithRetry(h, reports, hostReplacedTemplate('ami-0aaaaaaaaaaaaaaa1', false, plan.destroy));
      await deployWithRetry(h, reports, hostReplacedTemplate('ami-0bbbbbbbbbbbbbbb2', true, plan.destroy));
      return { story: 'activate, replace the host + key store, destroy', misnamed: [] };
    };
  }
  const zones = plan.kind === 'wrong-secret' ? [`${REGION}a`, `${REGION}b`] : [`${REGION}a`];
  const existing = activeClusterOutside(sim, zones);
  const template = importedClusterTemplate('FaultExisting', {
    ...existing, addHsmZones: plan.kind === 'imported-cluster' ? [`${REGION}b`] : [], withKey: true, removalPolicy,
  });
  if (plan.kind === 'imported-cluster') {
    return async (h, reports) => {
      await deployWithRetry(h, reports, template);
      return { story: 'import + HSM + key store, destroy', misnamed: [] };
    };
  }
  return async (h, reports) => {
    const secret = sim.secrets.find(REGION, existing.adminSecretArn)!;
    sim.secrets.putValue(secret, 'Not4The5Admins6Password');
    const misnamed: string[] = [];
    for (let i = 0; i < plan.wrongDeployments; i++) {
      const report = await h.deploy(template);
      reports.push(report);
      if (report.outcome.status === 'success') misnamed.push('a deployment with the wrong admin secret succeeded');
      else if (!report.outcome.message.includes(existing.adminSecretArn)) misnamed.push(`not naming the admin secret: ${report.outcome.message}`);
    }
    sim.secrets.putValue(secret, OUTSIDE_ADMIN_PASSWORD);
    await deployWithRetry(h, reports, template);
    return { story: `wrong admin secret x${plan.wrongDeployments}, then the right one, destroy`, misnamed };
  };
}

/** One lifecycle of a second path, on a fresh simulator state and a fresh host sandbox. */
export async function runExistingLifecycle(seed: number, sim: CloudHsmSimulator, endpoint: string): Promise<ExistingLifecycle> {
  const plan = existingPlan(seed);
  sim.reset();
  const sandbox = new HostSandbox({ endpoint, region: REGION });
  sim.setCommandRunner(sandbox.runner);
  const run = stories(sim, plan);
  // What the operator made outside the stack is theirs: never an orphan.
  const seeded = new Set(sim.listResources().map((r) => r.id));
  const reports: DeploymentReport[] = [];
  let harness: DeployHarness | undefined;
  let told = { story: plan.kind as string, misnamed: [] as string[] };
  try {
    injectFaults(sim, plan.faults);
    const duplicate = plan.faults.includes('duplicateDelivery') || plan.faults.includes('duplicateConcurrently');
    harness = new DeployHarness({
      sim,
      endpoint,
      stackName: 'FaultExisting',
      seed,
      faults: {
        duplicateOnEvent: duplicate ? { requestType: 'Create', resourceType: 'Custom::CloudHsmKeyStore', times: 2 } : undefined,
        duplicateConcurrently: plan.faults.includes('duplicateConcurrently'),
      },
    });
    told = await run(harness, reports);
    reports.push(await harness.destroy());
  } finally {
    await endHostLifecycle(sim, sandbox);
  }
  sim.advance(2 * 60 * 60_000);
  const { unnamed, stuck, failures } = failureFigures(reports, NAMED);
  const orphans = keyStoreOrphans(sim, new Set(harness.retained.map((r) => r.physicalId)))
    .filter((o) => !seeded.has(o.split(' ')[2]));
  if (process.env.CDK_CLOUDHSM_FAULT_DEBUG === '1') {
    for (const r of reports) console.log(`  ${r.operation} ${r.stackStatus} ${JSON.stringify(r.outcome)}`);
  }
  return {
    seed,
    stack: `existing:${plan.kind}`,
    story: told.story,
    faults: [...plan.faults],
    orphans,
    stuck,
    unnamedFailures: [...unnamed, ...told.misnamed],
    failures,
    lockedUsers: lockedUsers(sim),
  };
}
