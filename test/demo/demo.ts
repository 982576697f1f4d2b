// `npm run demo`: examples/basic deployed, updated and destroyed by the deploy harness with the
// real bundled handler against an in-process simulator on a virtual clock. One line per state
// change; a summary; `ok` is false when a step failed, the example's HSM did not become ACTIVE, or
// something is left that should not be.

import { BasicStackProps } from '../../examples/basic/app';
import { DeployHarness } from '../harness/engine';
import { displayName, formatDuration, formatOutcome } from '../harness/report';
import { DeploymentReport, SimResourceView, Transition } from '../harness/types';
import { CloudHsmSimulator, startSimulatorServer } from '../sim';
import { BASIC_STACK_NAME, basicTemplate } from './example';

export interface DemoOptions {
  /** where lines go (default console.log) */
  readonly print?: (line: string) => void;
  /** keep the library's default removal policy (RETAIN): the cluster must then be left, and only it */
  readonly retain?: boolean;
  /** the simulator to deploy into (default: a fresh one); tests pass one they prepared */
  readonly sim?: CloudHsmSimulator;
}

export interface DemoResult {
  readonly ok: boolean;
  /** why ok is false */
  readonly problems: readonly string[];
  readonly reports: readonly DeploymentReport[];
  /** what the simulator holds at the end (DELETED resources excluded) */
  readonly leftBehind: readonly SimResourceView[];
  /** the physical ids the stack retained on purpose */
  readonly retainedIds: readonly string[];
}

/** The update the demo applies: a shorter backup retention and a new owner tag. */
export const DEMO_UPDATE: BasicStackProps = { retentionDays: 30, team: 'risk' };

/** The region of the example's stack (and the harness's default). */
const REGION = 'us-east-1';

/** `[+  5m00s] Cluster    Custom::CloudHsmCluster  CREATE_IN_PROGRESS -> UNINITIALIZED  cluster-…` */
export function progressLine(t: Transition, sinceStartMs: number): string {
  const what = t.kind === 'service' ? `${t.previousStatus ?? '(new)'} -> ${t.status}` : t.status;
  const phase = t.phase === 'rollback' || t.phase === 'cleanup' ? ` (${t.phase})` : '';
  const extra = [t.physicalId, t.reason].filter(Boolean).join('  ');
  return `[+${formatDuration(sinceStartMs).padStart(7)}] ${displayName(t.logicalId).padEnd(10)} ${t.resourceType.padEnd(24)} `
    + `${what}${phase}${extra ? `  ${extra}` : ''}`;
}

export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const print = opts.print ?? ((line: string) => console.log(line));
  const base: BasicStackProps = { destroyOnRemoval: !opts.retain };
  print(`cdk-cloudhsm demo: examples/basic (removal policy ${opts.retain ? 'RETAIN' : 'DESTROY'}) against a local CloudHSM v2 simulator`);
  print('times are simulated (virtual clock); no AWS account is used');
  const v1 = basicTemplate(base);
  const v2 = basicTemplate({ ...base, ...DEMO_UPDATE });

  const sim = opts.sim ?? new CloudHsmSimulator({ seed: 1 });
  const server = await startSimulatorServer(sim);
  const startMs = sim.clock.now();
  const reports: DeploymentReport[] = [];
  const problems: string[] = [];
  try {
    const harness = new DeployHarness({
      sim,
      endpoint: server.url,
      stackName: BASIC_STACK_NAME,
      // Only the CloudHSM resources are real here; the VPC, IAM and Lambda resources are fakes.
      onTransition: (t) => { if (t.custom) print(progressLine(t, sim.clock.now() - startMs)); },
    });
    const steps: [string, () => Promise<DeploymentReport>][] = [
      ['deploy', () => harness.deploy(v1)],
      [`update: backup retention -> ${DEMO_UPDATE.retentionDays} days, tag team -> ${DEMO_UPDATE.team}`, () => harness.deploy(v2)],
      ['destroy', () => harness.destroy()],
    ];
    for (const [title, step] of steps) {
      print(`== ${title}`);
      const report = await step();
      reports.push(report);
      print(formatOutcome(report));
      if (report.outcome.status !== 'success') {
        problems.push(formatOutcome(report));
        break;
      }
      if (report.operation === 'create') {
        const hsm = describeHsm(sim, report);
        if (hsm.problem) problems.push(hsm.problem);
        print(hsm.line);
      }
    }
  } finally {
    await server.close();
  }

  const last = reports[reports.length - 1];
  const retainedIds = reports.flatMap((r) => r.retained.map((x) => x.physicalId));
  const leftBehind = last?.leftInSimulator ?? [];
  // Backups of a retained cluster stay with it; an HSM is left only if it was retained itself.
  const unexpected = leftBehind.filter((r) => !retainedIds.includes(r.id)
    && !(r.type !== 'hsm' && r.clusterId && retainedIds.includes(r.clusterId)));
  for (const r of unexpected) problems.push(`left behind: ${r.type} ${r.id} (${r.state}) in ${r.region}`);
  if (opts.retain && retainedIds.length === 0) problems.push('the RETAIN policy kept nothing');

  print('== summary');
  for (const r of reports) {
    const calls = Object.entries(r.apiCalls).map(([op, n]) => `${op} ${n}`).join(', ');
    print(`${r.operation.padEnd(7)} ${r.stackStatus.padEnd(16)} ${formatDuration(r.simulatedMs).padStart(7)} simulated, `
      + `${r.invocations.onEvent} onEvent / ${r.invocations.isComplete} isComplete; API calls: ${calls || 'none'}`);
  }
  print(`left in the simulator: ${leftBehind.length === 0 ? 'nothing'
    : leftBehind.map((r) => `${r.type} ${r.id} (${r.state}${retainedIds.includes(r.id) ? ', retained by policy' : ''})`).join(', ')}`);
  print(`total simulated time ${formatDuration(sim.clock.now() - startMs)}`);
  const ok = problems.length === 0 && reports.length === 3;
  print(ok ? 'demo OK' : `demo FAILED:\n  ${problems.join('\n  ')}`);
  return { ok, problems, reports, leftBehind, retainedIds };
}

/** The example's HSM (outputs HsmId, ClusterId) as the simulator holds it after the deploy. */
function describeHsm(sim: CloudHsmSimulator, report: DeploymentReport): { line: string; problem?: string } {
  const { ClusterId: clusterId, HsmId: hsmId } = report.outputs;
  const cluster = sim.peekCluster(REGION, clusterId) as { Hsms?: Record<string, string>[]; Certificates?: Record<string, string> } | undefined;
  const hsm = cluster?.Hsms?.find((h) => h.HsmId === hsmId);
  if (!hsm || hsm.State !== 'ACTIVE') {
    const problem = `the example's HSM ${hsmId ?? '(no HsmId output)'} is ${hsm?.State ?? 'not in the cluster'} after the deploy, not ACTIVE`;
    return { line: problem, problem };
  }
  const csr = report.outputs.ClusterCsr && report.outputs.ClusterCsr === cluster?.Certificates?.ClusterCsr;
  return {
    line: `HSM ${hsm.HsmId} ACTIVE in ${hsm.AvailabilityZone} at ${hsm.EniIp}; the cluster's CSR is the output ClusterCsr`,
    problem: csr ? undefined : 'the output ClusterCsr is not the cluster\'s certificate signing request',
  };
}
