// Fault lifecycles of a cluster that scales to zero HSMs and back (docs/operations.md, "Scaling to
// zero"): a key-store stack (initialization with given certificates, activation on the admin host,
// kmsuser, a key store and a KMS key) with allowZeroHsms goes 2 -> 0 -> 2 HSMs in three deployments,
// then is destroyed. Faults: throttling, the lost response of CreateHsm / DeleteHsm /
// DisconnectCustomKeyStore, onEvent of an HSM delivered twice (one after the other or at once). A
// deployment that fails is deployed again without the one-shot faults. Invariants: nothing orphaned,
// nothing stuck, every failure names its resource, and once the HSMs are back, no secret that no
// longer logs in (the admin secret as admin, kmsuser with the password KMS holds).

import { App, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { failureFigures, seededRandom } from './activation';
import { keyStoreOrphans } from './key-store';
import { ClusterCertificates, ClusterInitialization, HsmCluster, HsmKeyStore } from '../../src';
import { DeployHarness } from '../harness/engine';
import { CfnTemplate, DeploymentReport } from '../harness/types';
import { CloudHsmSimulator } from '../sim';
import { HostSandbox } from '../sim/host/sandbox';

const REGION = 'us-east-1';
export const SCALE_TO_ZERO_FAULTS = ['throttle', 'lostCreateHsm', 'lostDeleteHsm', 'lostDisconnect', 'duplicateDelivery', 'duplicateConcurrently'] as const;
export type ScaleToZeroFault = typeof SCALE_TO_ZERO_FAULTS[number];

/** Seeds 13, 33, 53, ... (odd, so never an activation seed; never a key-store seed) run a scale-to-zero lifecycle. */
export function isScaleToZeroSeed(seed: number): boolean {
  return seed % 20 === 13;
}

export interface ScaleToZeroLifecycle {
  readonly seed: number;
  readonly stack: 'scale-to-zero';
  readonly story: '2-0-2-destroy';
  readonly faults: ScaleToZeroFault[];
  readonly orphans: string[];
  readonly stuck: boolean;
  readonly unnamedFailures: string[];
  readonly failures: number;
  /** secrets (by role) that do not log in once the HSMs are back */
  readonly staleSecrets: string[];
}

const pem = (body: string) => `-----BEGIN CERTIFICATE-----\n${Buffer.from(body).toString('base64')}\n-----END CERTIFICATE-----`;
const CERTS: ClusterCertificates = { signedCertificate: pem('fault-suite scale-to-zero certificate'), trustAnchor: pem('fault-suite scale-to-zero trust anchor') };

const cached = new Map<number, CfnTemplate>();
/** The stack with `hsms` HSMs (0 or 2, in two zones). */
export function scaleToZeroTemplate(hsms: number): CfnTemplate {
  const hit = cached.get(hsms);
  if (hit) return hit;
  const app = new App();
  const stack = new Stack(app, 'FaultScaleToZero', { env: { account: '123456789012', region: REGION } });
  Validations.of(stack).acknowledge({ id: 'CloudFormation-Validate::W3010', reason: 'CloudHSM places each HSM in a named Availability Zone' });
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 1 });
  const cluster = new HsmCluster(stack, 'Cluster', {
    vpc, initialization: ClusterInitialization.fromCertificates(CERTS), activation: {}, allowZeroHsms: true,
  });
  cluster.addHsms(hsms);
  new HsmKeyStore(stack, 'KeyStore', { cluster }).addKey('Key');
  const t = app.synth().getStackByName('FaultScaleToZero').template as CfnTemplate;
  cached.set(hsms, t);
  return t;
}

const NAMED = /(HsmCluster|HsmActivation|HsmKeyStore|HsmKey|Hsm|ClusterInitialization) [A-Za-z0-9]+/;

function injectFaults(sim: CloudHsmSimulator, faults: readonly ScaleToZeroFault[]): void {
  if (faults.includes('throttle')) sim.injectFault({ kind: 'throttle', rate: 0.1 });
  if (faults.includes('lostCreateHsm')) sim.injectFault({ kind: 'dropResponse', operation: 'CreateHsm', nthCall: 1 });
  if (faults.includes('lostDeleteHsm')) sim.injectFault({ kind: 'dropResponse', operation: 'DeleteHsm', nthCall: 1 });
  if (faults.includes('lostDisconnect')) sim.injectFault({ kind: 'dropResponse', operation: 'DisconnectCustomKeyStore', nthCall: 1 });
}

/** The roles whose secrets do not log in on the cluster's ACTIVE HSMs. */
function staleSecretsOf(sim: CloudHsmSimulator, report: DeploymentReport): string[] {
  const storeId = Object.values(report.resources).find((r) => r.type === 'Custom::CloudHsmKeyStore')?.physicalId ?? '';
  const store = sim.kms.keyStores.get(storeId);
  const admin = Object.values(report.resources).find((r) => r.type === 'AWS::SecretsManager::Secret' && r.logicalId.includes('AdminSecret'));
  if (!store || !admin) return ['the key store or the admin secret is missing'];
  const ips = ((sim.peekCluster(REGION, store.clusterId)?.Hsms ?? []) as Array<Record<string, string>>)
    .filter((h) => h.State === 'ACTIVE').map((h) => h.EniIp);
  const logsIn = (user: string, role: string, password: string | undefined) =>
    password !== undefined && sim.hsmCli(REGION, ips, ['login', '--username', user, '--role', role], password).exitCode === 0;
  const stale: string[] = [];
  if (!logsIn('admin', 'admin', sim.secrets.find(REGION, admin.physicalId)?.secretString)) stale.push('admin');
  if (!logsIn('kmsuser', 'crypto-user', store.password)) stale.push('kmsuser (the password KMS holds)');
  return stale;
}

/** Deploys; a failed deployment is deployed again without the one-shot faults. */
async function deployTo(h: DeployHarness, sim: CloudHsmSimulator, hsms: number, reports: DeploymentReport[]): Promise<DeploymentReport> {
  let r = await h.deploy(scaleToZeroTemplate(hsms));
  reports.push(r);
  if (r.outcome.status !== 'success') {
    sim.clearFaults();
    r = await h.deploy(scaleToZeroTemplate(hsms));
    reports.push(r);
  }
  return r;
}

/** One lifecycle: 2 -> 0 -> 2 HSMs, then destroy, on a fresh simulator state and host sandbox. */
export async function runScaleToZeroLifecycle(seed: number, sim: CloudHsmSimulator, endpoint: string): Promise<ScaleToZeroLifecycle> {
  const next = seededRandom(seed * 17);
  const faults = SCALE_TO_ZERO_FAULTS.filter(() => next() < 0.35);
  sim.reset();
  const sandbox = new HostSandbox({ endpoint, region: REGION });
  sim.setCommandRunner(sandbox.runner);
  const reports: DeploymentReport[] = [];
  const staleSecrets: string[] = [];
  let harness: DeployHarness | undefined;
  try {
    const duplicate = faults.includes('duplicateDelivery') || faults.includes('duplicateConcurrently');
    harness = new DeployHarness({
      sim,
      endpoint,
      stackName: 'FaultScaleToZero',
      seed,
      faults: {
        duplicateOnEvent: duplicate ? { requestType: 'Create', resourceType: 'Custom::CloudHsmHsm', times: 2 } : undefined,
        duplicateConcurrently: faults.includes('duplicateConcurrently'),
      },
    });
    await deployTo(harness, sim, 2, reports);
    injectFaults(sim, faults);
    await deployTo(harness, sim, 0, reports);
    injectFaults(sim, faults);
    const back = await deployTo(harness, sim, 2, reports);
    if (back.outcome.status === 'success') staleSecrets.push(...staleSecretsOf(sim, back));
    sim.clearFaults();
    reports.push(await harness.destroy());
  } finally {
    sim.clearFaults();
    await sim.settle();
    sim.setCommandRunner(undefined);
    sandbox.dispose();
  }
  sim.advance(2 * 60 * 60_000);
  const { unnamed, stuck, failures } = failureFigures(reports, NAMED);
  const orphans = keyStoreOrphans(sim, new Set(harness.retained.map((r) => r.physicalId)));
  return { seed, stack: 'scale-to-zero', story: '2-0-2-destroy', faults: [...faults], orphans, stuck, unnamedFailures: unnamed, failures, staleSecrets };
}
