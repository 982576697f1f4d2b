// The second part of `npm run demo`: examples/activation in ONE deployment, from nothing to an
// ACTIVE cluster with three ACTIVE HSMs in two AZs (first HSM, Private CA initialization,
// activation on the admin host running the real setup.sh and activate.sh in the host sandbox,
// the other HSMs), then destroy. `ok` is false when a step failed, the cluster or an HSM is not
// ACTIVE, or anything is left besides the backups the service makes of deleted HSMs.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { progressLine } from './demo';
import { ActivationStack, ActivationStackProps, EXAMPLE_CA_ARN } from '../../examples/activation/app';
import { DeployHarness } from '../harness/engine';
import { formatDuration, formatOutcome } from '../harness/report';
import { CfnTemplate, DeploymentReport } from '../harness/types';
import { CloudHsmSimulator, PrivateCaFake, startSimulatorServer } from '../sim';
import { HostSandbox } from '../sim/host/sandbox';

export const ACTIVATION_STACK_NAME = 'CloudHsmActivation';
const REGION = 'us-east-1';

/** The example's template, as `cdk synth` of examples/activation makes it. */
export function activationExampleTemplate(props: ActivationStackProps = {}): CfnTemplate {
  const outdir = mkdtempSync(path.join(tmpdir(), 'cdk-cloudhsm-activation-'));
  try {
    const app = new App({ outdir });
    new ActivationStack(app, ACTIVATION_STACK_NAME, { env: { account: '123456789012', region: REGION }, ...props });
    return app.synth().getStackByName(ACTIVATION_STACK_NAME).template as CfnTemplate;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export interface ActivationDemoResult {
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly reports: readonly DeploymentReport[];
  /** HSM states of the cluster after the deployment */
  readonly hsmStates: readonly string[];
  readonly clusterState?: string;
  /** what is left after destroy that is not a backup the service made of a deleted HSM */
  readonly leftBehind: readonly string[];
  /** backups the service made when the HSMs were deleted (kept by the cluster's backup retention) */
  readonly serviceBackups: number;
}

export async function runActivationDemo(opts: { print?: (line: string) => void; hsmCount?: number } = {}): Promise<ActivationDemoResult> {
  const print = opts.print ?? ((line: string) => console.log(line));
  const hsmCount = opts.hsmCount ?? 3;
  print(`cdk-cloudhsm demo: examples/activation (${hsmCount} HSMs, removal policy DESTROY): one deployment to an ACTIVE cluster`);
  print('the admin host runs the real setup.sh and activate.sh with bash, with stand-ins for the CloudHSM CLI and the AWS CLI');
  const template = activationExampleTemplate({ destroyOnRemoval: true, hsmCount });

  const sim = new CloudHsmSimulator({ seed: 7 });
  const pca = new PrivateCaFake({ clock: sim.clock });
  const server = await startSimulatorServer(sim, 0, pca);
  pca.addCertificateAuthority(EXAMPLE_CA_ARN);
  const sandbox = new HostSandbox({ endpoint: server.url, region: REGION });
  sim.setCommandRunner(sandbox.runner);
  const startMs = sim.clock.now();
  const reports: DeploymentReport[] = [];
  const problems: string[] = [];
  let hsmStates: string[] = [];
  let clusterState: string | undefined;
  let clusterId = '';
  try {
    const harness = new DeployHarness({
      sim,
      endpoint: server.url,
      stackName: ACTIVATION_STACK_NAME,
      onTransition: (t) => { if (t.custom || t.resourceType === 'AWS::EC2::Instance') print(progressLine(t, sim.clock.now() - startMs)); },
    });
    print('== deploy');
    const created = await harness.deploy(template);
    reports.push(created);
    print(formatOutcome(created));
    if (created.outcome.status !== 'success') {
      problems.push(formatOutcome(created));
    } else {
      clusterId = created.outputs.ClusterId;
      const cluster = sim.peekCluster(REGION, clusterId) as { State?: string; Hsms?: Record<string, string>[] } | undefined;
      clusterState = cluster?.State;
      hsmStates = (cluster?.Hsms ?? []).map((h) => h.State);
      print(`cluster ${clusterId} ${clusterState}; HSMs: ${(cluster?.Hsms ?? []).map((h) => `${h.HsmId} ${h.State} in ${h.AvailabilityZone}`).join(', ')}`);
      print(`stack output ClusterState: ${created.outputs.ClusterState}; the admin password is in the secret ${created.outputs[outputKey(created, 'AdminSecretArn')] ?? '?'}`);
      if (clusterState !== 'ACTIVE') problems.push(`the cluster is ${clusterState ?? 'missing'} after the deployment, not ACTIVE`);
      if (hsmStates.length !== hsmCount || hsmStates.some((s) => s !== 'ACTIVE')) problems.push(`HSMs after the deployment: ${hsmStates.join(', ') || 'none'}; expected ${hsmCount} ACTIVE`);
      print('== destroy');
      const destroyed = await harness.destroy();
      reports.push(destroyed);
      print(formatOutcome(destroyed));
      if (destroyed.outcome.status !== 'success') problems.push(formatOutcome(destroyed));
    }
  } finally {
    await server.close();
    sandbox.dispose();
  }
  const last = reports[reports.length - 1];
  const isServiceBackup = (r: { type: string; clusterId?: string }) => r.type === 'backup' && r.clusterId === clusterId;
  const left = reports.length === 2 ? last.leftInSimulator : [];
  const leftBehind = left.filter((r) => !isServiceBackup(r)).map((r) => `${r.type} ${r.id} (${r.state})`);
  const serviceBackups = left.filter(isServiceBackup).length;
  for (const r of leftBehind) problems.push(`left behind: ${r}`);

  print('== summary');
  for (const r of reports) {
    print(`${r.operation.padEnd(7)} ${r.stackStatus.padEnd(16)} ${formatDuration(r.simulatedMs).padStart(7)} simulated, `
      + `${r.invocations.onEvent} onEvent / ${r.invocations.isComplete} isComplete`);
  }
  print(`left in the simulator: ${leftBehind.length === 0 ? 'nothing' : leftBehind.join(', ')}`
    + `${serviceBackups > 0 ? ` (besides ${serviceBackups} backups the service made of the deleted HSMs, kept by the cluster's backup retention)` : ''}`);
  const ok = problems.length === 0 && reports.length === 2;
  print(ok ? 'activation demo OK' : `activation demo FAILED:\n  ${problems.join('\n  ')}`);
  return { ok, problems, reports, hsmStates, clusterState, leftBehind, serviceBackups };
}

/** The output key CDK made for a construct's output named `name` (it prefixes the construct path). */
function outputKey(report: DeploymentReport, name: string): string {
  return Object.keys(report.outputs).find((k) => k.includes(name)) ?? name;
}
