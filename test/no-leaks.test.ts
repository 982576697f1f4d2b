// The cluster's PreCoPassword never reaches the handler's logs, the custom-resource attributes or the
// stack outputs: a full lifecycle (cluster + HSM, update, destroy) through the deploy harness with the
// handler's logging on, every line captured.
import { App, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { DeployHarness } from './harness/engine';
import { CfnTemplate } from './harness/types';
import { CloudHsmSimulator, SimulatorServer, startSimulatorServer } from './sim';
import { HsmCluster } from '../src';

function template(retentionDays: number): CfnTemplate {
  const app = new App();
  const stack = new Stack(app, 'Leaks', { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    natGateways: 0,
    subnetConfiguration: [{ name: 'hsm', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
  });
  const cluster = new HsmCluster(stack, 'Cluster', { vpc, removalPolicy: RemovalPolicy.DESTROY, backupRetention: Duration.days(retentionDays) });
  const hsm = cluster.addHsm('Hsm1');
  new CfnOutput(stack, 'ClusterId', { value: cluster.clusterId });
  new CfnOutput(stack, 'Csr', { value: hsm.clusterCsr });
  return app.synth().getStackByName('Leaks').template as CfnTemplate;
}

let server: SimulatorServer;
let sim: CloudHsmSimulator;
beforeAll(async () => {
  sim = new CloudHsmSimulator({ seed: 3 });
  server = await startSimulatorServer(sim);
});
afterAll(() => server.close());

test('no PreCoPassword in logs, attributes or outputs over a full lifecycle', async () => {
  const lines: string[] = [];
  const spy = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => { lines.push(args.map(String).join(' ')); });
  const seen = new Set<string>();
  try {
    const h = new DeployHarness({
      sim,
      endpoint: server.url,
      stackName: 'Leaks',
      verboseHandler: true,
      // Record the password whenever the service shows one, to look for it afterwards.
      faults: {
        afterInvoke: () => {
          for (const r of sim.listResources()) {
            const password = r.type === 'cluster' ? (sim.peekCluster(r.region, r.id) as any)?.PreCoPassword : undefined;
            if (password) seen.add(password);
          }
        },
      },
    });
    const created = await h.deploy(template(30));
    const updated = await h.deploy(template(60));
    const destroyed = await h.destroy();
    expect([created, updated, destroyed].map((r) => r.outcome.status)).toEqual(['success', 'success', 'success']);

    // The lifecycle did run with a password in play, and the handler did log.
    expect(seen.size).toBe(1);
    expect(lines.filter((l) => l.includes('"resource"')).length).toBeGreaterThan(10);
    const [password] = [...seen];
    for (const line of lines) expect(line).not.toContain(password);
    for (const report of [created, updated]) {
      const exposed = JSON.stringify({ resources: report.resources, outputs: report.outputs });
      expect(exposed).not.toContain(password);
      expect(exposed).not.toContain('PreCoPassword');
    }
  } finally {
    spy.mockRestore();
  }
});
