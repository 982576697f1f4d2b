// What the demos with an admin host share: a simulator with the Private CA fake (its CA added)
// and a host sandbox that runs the instances' scripts, served over HTTP; and the closing summary
// (each operation, what is left besides the backups the service made of deleted HSMs).

import { progressLine } from './demo';
import { DeployHarness } from '../harness/engine';
import { formatDuration, formatOutcome } from '../harness/report';
import { DeploymentReport, SimResourceView } from '../harness/types';
import { CloudHsmSimulator, PrivateCaFake, SimulatorServer, startSimulatorServer } from '../sim';
import { HostSandbox } from '../sim/host/sandbox';

const REGION = 'us-east-1';

export interface HostWorld {
  readonly sim: CloudHsmSimulator;
  readonly server: SimulatorServer;
  readonly sandbox: HostSandbox;
  /** virtual time when the world was made: the progress lines count from it */
  readonly startMs: number;
  /** a harness for `stackName` that prints a line per transition of the custom resources and instances */
  harness(stackName: string, print: (line: string) => void): DeployHarness;
  /** stops the server and removes the hosts' directories */
  close(): Promise<void>;
}

/** A fresh simulator (seeded), its Private CA fake with the CA `caArn`, a host sandbox, the server. */
export async function startHostWorld(seed: number, caArn: string): Promise<HostWorld> {
  const sim = new CloudHsmSimulator({ seed });
  const pca = new PrivateCaFake({ clock: sim.clock });
  const server = await startSimulatorServer(sim, 0, pca);
  pca.addCertificateAuthority(caArn);
  const sandbox = new HostSandbox({ endpoint: server.url, region: REGION });
  sim.setCommandRunner(sandbox.runner);
  const startMs = sim.clock.now();
  return {
    sim,
    server,
    sandbox,
    startMs,
    harness: (stackName, print) => new DeployHarness({
      sim,
      endpoint: server.url,
      stackName,
      onTransition: (t) => { if (t.custom || t.resourceType === 'AWS::EC2::Instance') print(progressLine(t, sim.clock.now() - startMs)); },
    }),
    close: async () => {
      await server.close();
      sandbox.dispose();
    },
  };
}

/**
 * One stack operation: its title, then its outcome; the report is kept in `reports`, a failure in
 * `problems`. Returns the report when the operation succeeded.
 */
export async function runStep(print: (line: string) => void, title: string, operation: () => Promise<DeploymentReport>,
  reports: DeploymentReport[], problems: string[]): Promise<DeploymentReport | undefined> {
  print(`== ${title}`);
  const report = await operation();
  reports.push(report);
  print(formatOutcome(report));
  if (report.outcome.status === 'success') return report;
  problems.push(formatOutcome(report));
  return undefined;
}

/**
 * Prints the summary: a line per operation, then what is left. `left` is what the simulator holds
 * at the end; the backups of `clusterId` (the service's, of deleted HSMs) are counted apart.
 */
export function printSummary(print: (line: string) => void, reports: readonly DeploymentReport[], left: readonly SimResourceView[],
  clusterId: string): { leftBehind: string[]; serviceBackups: number } {
  const isServiceBackup = (r: { type: string; clusterId?: string }) => r.type === 'backup' && r.clusterId === clusterId;
  const leftBehind = left.filter((r) => !isServiceBackup(r)).map((r) => `${r.type} ${r.id} (${r.state})`);
  const serviceBackups = left.filter(isServiceBackup).length;
  print('== summary');
  for (const r of reports) {
    print(`${r.operation.padEnd(7)} ${r.stackStatus.padEnd(16)} ${formatDuration(r.simulatedMs).padStart(7)} simulated, `
      + `${r.invocations.onEvent} onEvent / ${r.invocations.isComplete} isComplete`);
  }
  print(`left in the simulator: ${leftBehind.length === 0 ? 'nothing' : leftBehind.join(', ')}`
    + `${serviceBackups > 0 ? ` (besides ${serviceBackups} backups the service made of the deleted HSMs, kept by the cluster's backup retention)` : ''}`);
  return { leftBehind, serviceBackups };
}
