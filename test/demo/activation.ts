// The second part of `npm run demo`: examples/activation in ONE deployment, from nothing to an
// ACTIVE cluster with three ACTIVE HSMs in two AZs (first HSM, Private CA initialization,
// activation on the admin host running the real setup.sh and activate.sh in the host sandbox,
// the other HSMs), then destroy. `ok` is false when a step failed, the cluster or an HSM is not
// ACTIVE, or anything is left besides the backups the service makes of deleted HSMs.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { printSummary, runStep, startHostWorld } from './host-world';
import { ActivationStack, ActivationStackProps, EXAMPLE_CA_ARN } from '../../examples/activation/app';
import { CfnTemplate, DeploymentReport } from '../harness/types';

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

  const world = await startHostWorld(7, EXAMPLE_CA_ARN);
  const { sim } = world;
  const reports: DeploymentReport[] = [];
  const problems: string[] = [];
  let hsmStates: string[] = [];
  let clusterState: string | undefined;
  let clusterId = '';
  try {
    const harness = world.harness(ACTIVATION_STACK_NAME, print);
    const created = await runStep(print, 'deploy', () => harness.deploy(template), reports, problems);
    if (created) {
      clusterId = created.outputs.ClusterId;
      const cluster = sim.peekCluster(REGION, clusterId) as { State?: string; Hsms?: Record<string, string>[] } | undefined;
      clusterState = cluster?.State;
      hsmStates = (cluster?.Hsms ?? []).map((h) => h.State);
      print(`cluster ${clusterId} ${clusterState}; HSMs: ${(cluster?.Hsms ?? []).map((h) => `${h.HsmId} ${h.State} in ${h.AvailabilityZone}`).join(', ')}`);
      print(`stack output ClusterState: ${created.outputs.ClusterState}; the admin password is in the secret ${created.outputs[outputKey(created, 'AdminSecretArn')] ?? '?'}`);
      if (clusterState !== 'ACTIVE') problems.push(`the cluster is ${clusterState ?? 'missing'} after the deployment, not ACTIVE`);
      if (hsmStates.length !== hsmCount || hsmStates.some((s) => s !== 'ACTIVE')) problems.push(`HSMs after the deployment: ${hsmStates.join(', ') || 'none'}; expected ${hsmCount} ACTIVE`);
      await runStep(print, 'destroy', () => harness.destroy(), reports, problems);
    }
  } finally {
    await world.close();
  }
  const left = reports.length === 2 ? reports[1].leftInSimulator : [];
  const { leftBehind, serviceBackups } = printSummary(print, reports, left, clusterId);
  for (const r of leftBehind) problems.push(`left behind: ${r}`);
  const ok = problems.length === 0 && reports.length === 2;
  print(ok ? 'activation demo OK' : `activation demo FAILED:\n  ${problems.join('\n  ')}`);
  return { ok, problems, reports, hsmStates, clusterState, leftBehind, serviceBackups };
}

/** The output key CDK made for a construct's output named `name` (it prefixes the construct path). */
function outputKey(report: DeploymentReport, name: string): string {
  return Object.keys(report.outputs).find((k) => k.includes(name)) ?? name;
}
