// Activation from the stack through the deploy harness: the bundled handler, the simulator's
// CloudHSM, SSM Run Command and Secrets Manager, the admin host as a managed instance that runs
// the real setup.sh (user data) and the real activate.sh (Run Command) with bash in the host
// sandbox. ONE deployment takes a new cluster through its first HSM, initialization (Private CA
// fake), activation and two more HSMs in a second AZ; destroy leaves only what is retained.

import { DeployHarness } from './engine';
import { DeploymentReport } from './types';
import { activationTemplate, activationWorld, leftOver, REGION } from '../fixtures/activation-stack';
import { useServedSimulator } from '../sim/fixtures';
import { HostSandbox } from '../sim/host/sandbox';

const served = useServedSimulator(21);
const { sim, pca } = served;
let sandbox: HostSandbox;
beforeEach(() => {
  sandbox = activationWorld(sim, pca, served.url);
});
afterEach(() => sandbox.dispose());

test('one deployment: cluster, initialization, activation on the admin host, three HSMs in two AZs -> ACTIVE with 3 ACTIVE HSMs; destroy leaves only what is retained', async () => {
  const h = new DeployHarness({ sim, endpoint: served.url, stackName: 'Activation' });
  const created = await h.deploy(activationTemplate());
  expect(created.outcome).toEqual({ status: 'success' });
  const clusterId = created.outputs.ClusterId;
  const cluster = sim.peekCluster(REGION, clusterId) as any;
  expect(cluster.State).toBe('ACTIVE');
  expect(cluster.Hsms.map((x: any) => x.State)).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE']);
  expect(cluster.Hsms.map((x: any) => x.AvailabilityZone).sort()).toEqual(['us-east-1a', 'us-east-1a', 'us-east-1b']);

  // The activation ran on the host: the real scripts, in the sandbox.
  const host = Object.values(created.resources).find((r) => r.type === 'AWS::EC2::Instance')!;
  expect(sim.instances.get(REGION, host.physicalId)?.userDataResult?.exitCode).toBe(0);
  const commands = sim.runCommand.all();
  expect(commands).toHaveLength(1);
  expect(commands[0]).toMatchObject({ documentName: 'AWS-RunShellScript', instanceIds: [host.physicalId] });
  expect(commands[0].invocations[0]).toMatchObject({ status: 'Success', responseCode: 0 });
  expect(commands[0].invocations[0].stdout).toContain(`cluster ${clusterId} activated`);
  // The admin is the stack's secret's password.
  const stackIds = new Set(Object.values(created.resources).map((r) => r.physicalId));
  const secret = sim.secrets.all().find((s) => stackIds.has(s.arn));
  expect(secret).toBeDefined();
  expect(sim.hsmUsers.find(REGION, clusterId, 'admin')).toMatchObject({ role: 'admin', password: secret!.secretString });
  // The second and third HSM waited for the activation: their creates started after it completed.
  type Step = DeploymentReport['transitions'][number];
  const seqOf = (match: (t: Step) => boolean) => created.transitions.find(match)?.seq ?? -1;
  const activated = seqOf((t) => t.resourceType === 'Custom::CloudHsmActivation' && t.status === 'CREATE_COMPLETE');
  expect(activated).toBeGreaterThan(0);
  for (const hsm of ['Hsm2', 'Hsm3']) {
    expect(seqOf((t) => t.logicalId.includes(hsm) && t.status === 'CREATE_IN_PROGRESS')).toBeGreaterThan(activated);
  }
  expect(seqOf((t) => t.logicalId.includes('Hsm1') && t.status === 'CREATE_COMPLETE')).toBeLessThan(activated);

  const destroyed = await h.destroy();
  expect(destroyed.outcome).toEqual({ status: 'success' });
  const retained = h.retained.map((r) => r.physicalId);
  // the service's backups: the one activation makes, and one per deleted HSM; nothing else but what is retained
  expect(leftOver(destroyed, retained, clusterId)).toEqual({ unexpected: [], serviceBackups: 4 });
  expect(destroyed.orphans.filter((r) => !(r.type === 'backup' && r.clusterId === clusterId))).toEqual([]);
  expect(sim.peekCluster(REGION, clusterId)?.State).toBe('DELETED');
  expect(sim.instances.get(REGION, host.physicalId)?.terminatedMs).toBeDefined();
});
