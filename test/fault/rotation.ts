// Fault lifecycles of password rotation (issue #26): a stack with activation and `rotation`, and the
// crypto user `signer` with `rotation` too, is deployed (the real setup.sh, activate.sh and
// create-crypto-user.sh on the admin host in the sandbox), then Secrets Manager's part is played:
// rotations of the admin's or the crypto user's secret (seeded), each through its own rotation
// function (the bundled handler's) and the host's real rotate-password.sh, with faults: responses lost (PutSecretValue, UpdateSecretVersionStage,
// SendCommand: the SDK sends again), a set step that fails before the script runs, a set step whose
// password change happened but whose result is lost (the host reports a failure), a failing test
// step, each step invoked twice (one after the other, or at the same moment), and the rotated user
// logged in elsewhere during the set step (an application's session: the CLI refuses the change).
// A rotation that fails is reattempted with its token, as Secrets Manager does, without the faults.
// Invariants, for both users: after every rotation the user's password on the HSMs is its secret's
// AWSCURRENT value, or (a rotation unfinished, to be reattempted) its AWSPENDING value; at the end it
// is AWSCURRENT's, no AWSPENDING is left, no user is locked; then the stack is destroyed (the crypto
// user deleted with `user delete`, which needs its secret's password) with nothing orphaned.

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
export const ROTATION_FAULTS = [
  'lostResponses', 'failingSet', 'setResultLost', 'failingTest', 'duplicateSteps', 'duplicateConcurrently', 'userLoggedIn',
] as const;
/** The users whose secrets the lifecycles rotate: the admin (activation.rotation) and a crypto user (CryptoUser rotation). */
const ROTATED_USERS = [
  { username: 'admin', role: 'admin', secretOutput: 'AdminSecretArn' },
  { username: 'signer', role: 'crypto-user', secretOutput: 'UserSecretArn' },
] as const;
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
  /** moments a rotated user's password on the HSMs was neither its secret's current value nor its pending one (or at the end, not the current one) */
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
  const signer = cluster.addCryptoUser('Signer', { username: 'signer', removalPolicy: RemovalPolicy.DESTROY, rotation: { automaticallyAfter: Duration.days(1) } });
  new CfnOutput(stack, 'AdminSecretArn', { value: cluster.adminSecret.secretArn });
  new CfnOutput(stack, 'UserSecretArn', { value: signer.passwordSecret.secretArn });
  new CfnOutput(stack, 'ClusterId', { value: cluster.clusterId });
  cached = app.synth().getStackByName('FaultRotation').template as CfnTemplate;
  return cached;
}


/** Commands of one step: `--step set` or `--step test` in the script's arguments. */
const stepOf = (run: CommandRun) => /--step' '(set|test)'/.exec(run.commands[0] ?? '')?.[1];

/** One lifecycle: deploy, rotations with faults (and reattempts), checks, destroy. */
export async function runRotationLifecycle(seed: number, sim: CloudHsmSimulator, endpoint: string): Promise<RotationLifecycle> {
  const next = seededRandom(seed * 31 + 7);
  sim.reset();
  const faults = ROTATION_FAULTS.filter(() => next() < 0.4);
  const rotations = Array.from({ length: 1 + Math.floor(next() * 3) }, () => ROTATED_USERS[next() < 0.5 ? 0 : 1]);
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
      const ips = () => ((sim.peekCluster(REGION, clusterId) as any)?.Hsms ?? []).map((h: any) => h.EniIp);
      const rotated = ROTATED_USERS.map((user) => {
        const { functionArn, environment } = rotationFunction(created, user.username);
        useRotationFunction(sim, endpoint, REGION, environment, functionArn);
        const secretArn = created.outputs[user.secretOutput];
        return { ...user, functionArn, secretArn, secret: sim.secrets.find(REGION, secretArn)! };
      });
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
      const checkInStep = (when: string, finished: boolean) => {
        for (const user of rotated) {
          const onHsm = sim.hsmUsers.find(REGION, clusterId, user.username)?.password;
          const pending = user.secret.withStage(PENDING);
          const ok = onHsm === user.secret.secretString || (!finished && pending !== undefined && onHsm === pending.secretString);
          if (!ok) outOfStep.push(`${when}: ${user.username}'s password on the HSMs is neither AWSCURRENT${finished ? '' : ' nor AWSPENDING'}`);
        }
      };
      for (const [n, which] of rotations.entries()) {
        const user = rotated.find((u) => u.username === which.username)!;
        hostFaults = new Set(faults.filter((f) => ['failingSet', 'failingTest', 'setResultLost'].includes(f)));
        if (faults.includes('lostResponses')) {
          for (const operation of ['PutSecretValue', 'UpdateSecretVersionStage', 'SendCommand'] as const) {
            sim.injectFault({ kind: 'dropResponse', operation, nthCall: 1 });
          }
        }
        // An application's session as the user: the CLI refuses to change its password meanwhile.
        const session = `application-${n}`;
        if (faults.includes('userLoggedIn')) {
          runHsmCli((sim as any).store, sim.hsmUsers, REGION, ips(), ['login', '--username', user.username, '--role', user.role], user.secret.secretString, session);
        }
        const outcome = await rotateNow(sim, REGION, user.secretArn, user.functionArn);
        sim.clearFaults();
        hostFaults.clear();
        sim.hsmUsers.endSession(session);
        const label = `rotation ${n + 1} of ${user.username}`;
        checkInStep(`${label}${outcome.failedStep ? ` (failed at ${outcome.failedStep})` : ''}`, outcome.failedStep === undefined);
        // Secrets Manager reattempts an unfinished rotation with its token (here without the faults).
        if (outcome.failedStep) {
          await reattempt(sim, user.secretArn, outcome.token, user.functionArn);
          checkInStep(`${label} reattempted`, true);
        }
      }
      checkInStep('the end', true);
      for (const user of rotated) {
        if (user.secret.withStage(PENDING)) outOfStep.push(`the end: an AWSPENDING version of ${user.username}'s secret is left`);
        if (sim.hsmUsers.find(REGION, clusterId, user.username)?.locked) outOfStep.push(`the end: ${user.username} is locked`);
        const login = ['login', '--username', user.username, '--role', user.role];
        if (runHsmCli((sim as any).store, sim.hsmUsers, REGION, ips(), login, user.secret.secretString).exitCode !== 0) {
          outOfStep.push(`the end: AWSCURRENT does not log in as ${user.username}`);
        }
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

  const { unnamed, stuck, failures } = failureFigures(reports, /(HsmCluster|HsmActivation|Hsm|CryptoUser) [A-Za-z0-9]+/);
  const retained = new Set(harness.retained.map((r) => r.physicalId));
  const orphans = sim.listResources()
    .filter((r) => r.state !== 'DELETED' && r.state !== 'terminated' && r.type !== 'backup')
    .filter((r) => !retained.has(r.id) && !(r.clusterId !== undefined && retained.has(r.clusterId)))
    .map((r) => `${r.region} ${r.type} ${r.id} ${r.state}`);
  return {
    seed, stack: 'cluster+activation+rotation', story: `rotations of ${rotations.map((u) => u.username).join(', ')}`, faults: [...faults], orphans, stuck, unnamedFailures: unnamed, failures, outOfStep,
  };
}
