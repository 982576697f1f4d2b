// The third part of `npm run demo`: the whole road in ONE deployment. examples/key-store (cluster,
// HSMs in two AZs, initialization by the Private CA, activation on the admin host, kmsuser, a
// CONNECTED key store and a KMS key in it) with a crypto user and an application host added
// (HsmClient.connectInstance; the host's user data runs the real client-setup.sh in the host
// sandbox, configures the PKCS #11 library by cluster id and logs in as the crypto user with the
// password it reads from Secrets Manager). Each stage's simulated duration is printed. Destroy
// schedules the KMS key's deletion and leaves the key store DISCONNECTED (KMS refuses to delete a
// store that holds a key, one pending deletion included); once KMS has deleted the key at the end
// of its waiting period the empty store is deleted, and then nothing may be left but the backups
// the service makes of deleted HSMs. `ok` is false otherwise.

import { CfnOutput, RemovalPolicy } from 'aws-cdk-lib';
import { printSummary, runStep, startHostWorld } from './host-world';
import { CA_ARN, REGION } from '../fixtures/activation-stack';
import { addApplicationHost } from '../fixtures/app-host-stack';
import { keyStoreStack } from '../fixtures/key-store-stack';
import { formatDuration, isGone } from '../harness/report';
import { CfnTemplate, DeploymentReport, Transition } from '../harness/types';
import { CloudHsmSimulator } from '../sim';

export const ROAD_STACK_NAME = 'CloudHsmKeyStore';

/** The stages of the road, in order: a name and the resources that make it. */
export const ROAD_STAGES: ReadonlyArray<{ readonly name: string; readonly types: readonly string[] }> = [
  { name: 'cluster', types: ['Custom::CloudHsmCluster'] },
  { name: 'HSMs', types: ['Custom::CloudHsmHsm'] },
  { name: 'initialization', types: ['Custom::CloudHsmClusterInitialization'] },
  { name: 'activation', types: ['Custom::CloudHsmActivation'] },
  { name: 'key store', types: ['Custom::CloudHsmKeyStore'] },
  { name: 'KMS key', types: ['Custom::CloudHsmKmsKey'] },
  { name: 'crypto user', types: ['Custom::CloudHsmCryptoUser'] },
];

/** examples/key-store (everything DESTROY) with the crypto user `signer` and the application host `App`. */
export function roadTemplate(): CfnTemplate {
  const { app, stack } = keyStoreStack({ destroyOnRemoval: true });
  addApplicationHost(stack, stack.cluster, RemovalPolicy.DESTROY);
  new CfnOutput(stack, 'ClusterId', { value: stack.cluster.clusterId });
  return app.synth().getStackByName(stack.stackName).template as CfnTemplate;
}

/** A stage's span in the deployment: from its first resource's start to its last one's completion. */
export interface StageSpan {
  readonly name: string;
  readonly startMs: number;
  readonly endMs: number;
}

/** The spans of the stages, from the deployment's transitions (virtual ms since its start). */
export function stageSpans(transitions: readonly Transition[]): StageSpan[] {
  return ROAD_STAGES.map(({ name, types }) => {
    const own = transitions.filter((t) => t.kind === 'resource' && t.phase === 'deploy' && types.includes(t.resourceType));
    const starts = own.filter((t) => t.status === 'CREATE_IN_PROGRESS').map((t) => t.elapsedMs);
    const ends = own.filter((t) => t.status === 'CREATE_COMPLETE').map((t) => t.elapsedMs);
    return { name, startMs: starts.length ? Math.min(...starts) : NaN, endMs: ends.length ? Math.max(...ends) : NaN };
  });
}

/** `activation        +25m00s -> +31m10s   6m10s` */
export function stageLine(span: StageSpan, note = ''): string {
  const at = (ms: number) => `+${formatDuration(ms)}`.padStart(9);
  return `${span.name.padEnd(17)} ${at(span.startMs)} -> ${at(span.endMs)} ${formatDuration(span.endMs - span.startMs).padStart(8)}${note ? `  ${note}` : ''}`;
}

export interface RoadDemoResult {
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly reports: readonly DeploymentReport[];
  /** each stage's span, the application host's last (launch to configured and logged in) */
  readonly stages: readonly StageSpan[];
  /** what is left after destroy that is not a backup the service made of a deleted HSM */
  readonly leftBehind: readonly string[];
  readonly serviceBackups: number;
}

export async function runRoadDemo(opts: { print?: (line: string) => void } = {}): Promise<RoadDemoResult> {
  const print = opts.print ?? ((line: string) => console.log(line));
  print('cdk-cloudhsm demo: the whole road in one deployment: examples/key-store with a crypto user and an application host (removal policy DESTROY)');
  print('the admin host and the application host run the real host scripts (setup.sh, activate.sh, create-kmsuser.sh, create-crypto-user.sh, client-setup.sh) with bash, with stand-ins for the CloudHSM CLI, the Client SDK and the AWS CLI');
  const template = roadTemplate();

  const world = await startHostWorld(11, CA_ARN);
  const { sim, startMs } = world;
  const reports: DeploymentReport[] = [];
  const problems: string[] = [];
  const stages: StageSpan[] = [];
  let clusterId = '';
  try {
    const harness = world.harness(ROAD_STACK_NAME, print);
    const created = await runStep(print, 'deploy', () => harness.deploy(template), reports, problems);
    if (created) {
      clusterId = created.outputs.ClusterId;
      // CloudFormation is done once the instance is launched; its user data runs when it has booted.
      sim.advance(sim.timings.instanceBootMs);
      await sim.settle();
      stages.push(...stageSpans(created.transitions));
      const host = applicationHost(sim, created, startMs);
      stages.push(host.span);
      problems.push(...host.problems);
      print('== stages (simulated time since the start of the deployment)');
      for (const s of stages) print(stageLine(s, s.name === 'application host' ? host.note : ''));
      for (const s of stages.filter((x) => Number.isNaN(x.endMs - x.startMs))) problems.push(`stage ${s.name} did not complete`);
      const cluster = sim.peekCluster(REGION, clusterId) as { State?: string; Hsms?: Record<string, string>[] } | undefined;
      const store = sim.peekKeyStore(REGION, created.outputs.CustomKeyStoreId);
      print(`cluster ${clusterId} ${cluster?.State}, HSMs ${(cluster?.Hsms ?? []).map((h) => `${h.State} in ${h.AvailabilityZone}`).join(', ')}; `
        + `key store ${store?.ConnectionState}; KMS key ${created.outputs.KeyArn}`);
      if (cluster?.State !== 'ACTIVE') problems.push(`the cluster is ${cluster?.State ?? 'missing'}, not ACTIVE`);
      if (store?.ConnectionState !== 'CONNECTED') problems.push(`the key store is ${String(store?.ConnectionState)}, not CONNECTED`);
      if (await runStep(print, 'destroy', () => harness.destroy(), reports, problems)) afterKeyDeletion(sim, created, print);
    }
  } finally {
    await world.close();
  }
  const left = reports.length === 2 ? sim.listResources().filter((r) => !isGone(r)) : [];
  const { leftBehind, serviceBackups } = printSummary(print, reports, left, clusterId);
  for (const r of leftBehind) problems.push(`left behind: ${r}`);
  const ok = problems.length === 0 && reports.length === 2;
  print(ok ? 'road demo OK' : `road demo FAILED:\n  ${problems.join('\n  ')}`);
  return { ok, problems, reports, stages, leftBehind, serviceBackups };
}

/**
 * The application host's stage: from its launch to the end of its boot, when its user data has
 * configured the client and the application has logged in (what its output says).
 */
function applicationHost(sim: CloudHsmSimulator, created: DeploymentReport, startMs: number): { span: StageSpan; note: string; problems: string[] } {
  const instance = sim.instances.get(REGION, created.outputs.AppInstanceId);
  const span = { name: 'application host', startMs: (instance?.launchedMs ?? NaN) - startMs, endMs: (instance?.onlineAtMs ?? NaN) - startMs };
  const boot = instance?.userDataResult;
  const configured = boot?.stderr.includes(`configured (pkcs11) for cluster ${created.outputs.ClusterId}`) ?? false;
  const loggedIn = boot?.stdout.includes('application: logged in as signer') ?? false;
  const problems = boot?.exitCode === 0 && configured && loggedIn ? []
    : [`the application host's user data did not configure the client and log in: ${JSON.stringify(boot ?? 'it did not run')}`];
  return { span, note: `Client SDK configured by cluster id ${configured ? 'yes' : 'NO'}; logged in as crypto user signer ${loggedIn ? 'yes' : 'NO'}`, problems };
}

/**
 * After destroy: KMS deletes the key at the end of its waiting period; the key store, empty then,
 * is deleted (DeleteCustomKeyStore), as `cdk destroy` could not while it held the key.
 */
function afterKeyDeletion(sim: CloudHsmSimulator, created: DeploymentReport, print: (line: string) => void): void {
  const storeId = created.outputs.CustomKeyStoreId;
  const store = sim.peekKeyStore(REGION, storeId);
  if (!store) return;
  const keyId = created.outputs.KeyArn.split('/').pop()!;
  const days = Number(sim.peekKey(REGION, keyId)?.PendingDeletionWindowInDays ?? 0);
  print(`== after the KMS key's ${days}-day waiting period: KMS deletes the key; the key store ${storeId} (${store.ConnectionState}), empty now, is deleted`);
  sim.advance(days * 24 * 60 * 60_000);
  sim.handle(REGION, 'DeleteCustomKeyStore', { CustomKeyStoreId: storeId }, 'kms');
}
