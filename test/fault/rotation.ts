// Fault lifecycles of the admin password's rotation (issue #26): a stack with activation and
// `rotation` is deployed (the real setup.sh and activate.sh on the admin host in the sandbox), then
// Secrets Manager's part is played: rotations through the bundled rotation function and the host's
// real rotate-password.sh, with faults: responses lost (PutSecretValue, UpdateSecretVersionStage,
// SendCommand: the SDK sends again), a set step that fails before the script runs, a set step whose
// password change happened but whose result is lost (the host reports a failure), a failing test
// step, and each step invoked twice (one after the other, or at the same moment). A rotation that
// fails is reattempted with its token, as Secrets Manager does, without the faults. Invariants: after
// every rotation the admin's password on the HSMs is the secret's AWSCURRENT value, or (a rotation
// unfinished, to be reattempted) its AWSPENDING value; at the end it is AWSCURRENT's, no AWSPENDING
// is left, the admin is not locked; then the stack is destroyed with nothing orphaned.

import { App, CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { failureFigures, seededRandom } from './activation';
import { ClusterCertificates, ClusterInitialization, HsmCluster } from '../../src';
import { reattempt, rotateNow, rotationFunction, useRotationFunction } from '../fixtures/rotation';
import { DeployHarness } from '../harness/engine';
import { CfnTemplate, DeploymentReport } from '../harness/types';
import { CloudHsmSimulator } from '../sim';
import { HostSandbox } from '../sim/host/sandbox';
import { runHsmCli } from '../sim/hsm-cli';
import { CommandRun } from '../sim/run-command';
import { PENDING, RotationEvent } from '../sim/secrets';

const REGION = 'us-east-1';
export const ROTATION_FAULTS = ['lostResponses', 'failingSet', 'setResultLost', 'failingTest', 'duplicateSteps', 'duplicateConcurrently'] as const;
export type RotationFault = typeof ROTATION_FAULTS[number];

/** Seeds 2, 14, 26, ...: no activation seed (multiples of 4) and no key-store seed (5 mod 10) among them. */
export function isRotationSeed(seed: number): boolean {
  return seed % 12 === 2;
}

export interface RotationLifecycle {
  readonly seed: number;
  readonly stack: 'cluster+activation+rotation';
  readonly story: string;
  readonly faults: RotationFault[];
  readonly orphans: string[];
  readonly stuck: boolean;
  readonly unnamedFailures: string[];
  readonly failures: number;
  /** moments the admin's password on the HSMs was neither the secret's current value nor its pending one (or at the end, not the current one) */
  readonly outOfStep: string[];
}

const pem = (body: string) => `-----BEGIN CERTIFICATE-----\n${Buffer.from(body).toString('base64')}\n-----END CERTIFICATE-----`;
const CERTS: ClusterCertificates = { signedCertificate: pem('fault-suite rotation cluster certificate'), trustAnchor: pem('fault-suite rotation trust anchor') };

let cached: CfnTemplate | undefined;
function rotationStackTemplate(): CfnTemplate {
  if (cached) return cached;
  const app = new App();
  const stack = new Stack(app, 'FaultRotation', { env: { account: '123456789012', region: REGION } });
  Validations.of(stack).acknowledge({ id: 'CloudFormation-Validate::W3010', reason: 'CloudHSM places each HSM in a named Availability Zone' });
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 1 });
  const cluster = new HsmCluster(stack, 'Cluster', {
    vpc,
    removalPolicy: RemovalPolicy.DESTROY,
    initialization: ClusterInitialization.fromCertificates(CERTS),
    activation: { rotation: { automaticallyAfter: Duration.days(1) } },
  });
  cluster.addHsm('Hsm1', { availabilityZone: 'us-east-1a' });
  new CfnOutput(stack, 'AdminSecretArn', { value: cluster.adminSecret.secretArn });
  new CfnOutput(stack, 'ClusterId', { value: cluster.clusterId });
  cached = app.synth().getStackByName('FaultRotation').template as CfnTemplate;
  return cached;
}

/** The admin's password on the cluster (the simulator's user table). */
function adminPassword(sim: CloudHsmSimulator, clusterId: string): string | undefined {
  return sim.hsmUsers.find(REGION, clusterId, 'admin')?.password;
}

/** Commands of one step: `--step set` or `--step test` in the script's arguments. */
const stepOf = (run: CommandRun) => /--step' '(set|test)'/.exec(run.commands[0] ?? '')?.[1];

/** One lifecycle: deploy, rotations with faults (and reattempts), checks, destroy. */
export async function runRotationLifecycle(seed: number, sim: CloudHsmSimulator, endpoint: string): Promise<RotationLifecycle> {
  const next = seededRandom(seed * 31 + 7);
  sim.reset();
  const faults = ROTATION_FAULTS.filter(() => next() < 0.4);
  const rotations = 1 + Math.floor(next() * 3);
  const sandbox = new HostSandbox({ endpoint, region: REGION });
  const outOfStep: string[] = [];
  const reports: DeploymentReport[] = [];
  let harness: DeployHarness | undefined;
  // Host-side faults, each once per rotation: the runner fails a step before or after the real script.
  let hostFaults = new Set<RotationFault>();
  sim.setCommandRunner(async (run) => {
    const step = stepOf(run);
    if (step === 'set' && hostFaults.delete('failingSet')) return { exitCode: 1, stdout: '', stderr: 'injected: the set step failed before the script ran\n' };
    if (step === 'test' && hostFaults.delete('failingTest')) return { exitCode: 13, stdout: '', stderr: 'injected: the test step failed\n' };
    const result = await sandbox.runner(run);
    if (step === 'set' && result.exitCode === 0 && hostFaults.delete('setResultLost')) {
      return { exitCode: 1, stdout: '', stderr: 'injected: the host stopped after the password change\n' };
    }
    return result;
  });
  try {
    harness = new DeployHarness({ sim, endpoint, stackName: 'FaultRotation', seed });
    reports.push(await harness.deploy(rotationStackTemplate()));
    const created = reports[0];
    if (created.outcome.status === 'success') {
      const clusterId = created.outputs.ClusterId;
      const secretArn = created.outputs.AdminSecretArn;
      const { functionArn, environment } = rotationFunction(created);
      useRotationFunction(sim, endpoint, REGION, environment);
      const invoke = sim.secrets.rotationInvoker!;
      // Secrets Manager may invoke a step more than once: twice in a row, or twice at the same moment.
      if (faults.includes('duplicateSteps') || faults.includes('duplicateConcurrently')) {
        sim.secrets.rotationInvoker = async (arn, event: RotationEvent) => {
          if (faults.includes('duplicateConcurrently')) {
            await Promise.all([invoke(arn, event), invoke(arn, event)]);
          } else {
            await invoke(arn, event);
            await invoke(arn, event);
          }
        };
      }
      const secret = sim.secrets.find(REGION, secretArn)!;
      const checkInStep = (when: string, finished: boolean) => {
        const onHsm = adminPassword(sim, clusterId);
        const pending = secret.withStage(PENDING);
        const ok = onHsm === secret.secretString || (!finished && pending !== undefined && onHsm === pending.secretString);
        if (!ok) outOfStep.push(`${when}: the admin's password on the HSMs is neither AWSCURRENT${finished ? '' : ' nor AWSPENDING'}`);
      };
      for (let n = 0; n < rotations; n++) {
        hostFaults = new Set(faults.filter((f) => ['failingSet', 'failingTest', 'setResultLost'].includes(f)));
        if (faults.includes('lostResponses')) {
          for (const operation of ['PutSecretValue', 'UpdateSecretVersionStage', 'SendCommand'] as const) {
            sim.injectFault({ kind: 'dropResponse', operation, nthCall: 1 });
          }
        }
        const outcome = await rotateNow(sim, REGION, secretArn, n === 0 ? functionArn : undefined);
        sim.clearFaults();
        hostFaults.clear();
        checkInStep(`rotation ${n + 1}${outcome.failedStep ? ` (failed at ${outcome.failedStep})` : ''}`, outcome.failedStep === undefined);
        // Secrets Manager reattempts an unfinished rotation with its token (here without the faults).
        if (outcome.failedStep) {
          await reattempt(sim, secretArn, outcome.token);
          checkInStep(`rotation ${n + 1} reattempted`, true);
        }
      }
      checkInStep('the end', true);
      if (secret.withStage(PENDING)) outOfStep.push('the end: an AWSPENDING version is left');
      const admin = sim.hsmUsers.find(REGION, clusterId, 'admin');
      if (admin?.locked) outOfStep.push('the end: the admin is locked');
      const ips = ((sim.peekCluster(REGION, clusterId) as any)?.Hsms ?? []).map((h: any) => h.EniIp);
      if (runHsmCli((sim as any).store, sim.hsmUsers, REGION, ips, ['login', '--username', 'admin', '--role', 'admin'], secret.secretString).exitCode !== 0) {
        outOfStep.push('the end: AWSCURRENT does not log in as admin');
      }
    }
    reports.push(await harness.destroy());
  } finally {
    sim.clearFaults();
    sim.clearCommandFaults();
    await sim.settle();
    sim.setCommandRunner(undefined);
    sim.secrets.rotationInvoker = undefined;
    sandbox.dispose();
  }
  sim.advance(2 * 60 * 60_000);

  const { unnamed, stuck, failures } = failureFigures(reports, /(HsmCluster|HsmActivation|Hsm) [A-Za-z0-9]+/);
  const retained = new Set(harness.retained.map((r) => r.physicalId));
  const orphans = sim.listResources()
    .filter((r) => r.state !== 'DELETED' && r.state !== 'terminated' && r.type !== 'backup')
    .filter((r) => !retained.has(r.id) && !(r.clusterId !== undefined && retained.has(r.clusterId)))
    .map((r) => `${r.region} ${r.type} ${r.id} ${r.state}`);
  return {
    seed, stack: 'cluster+activation+rotation', story: `${rotations} rotation(s)`, faults: [...faults], orphans, stuck, unnamedFailures: unnamed, failures, outOfStep,
  };
}
