// Second-path lifecycles of the fault suite (existing.ts) whose point must show: the admin host is
// really replaced between the deployments (kmsuser runs on a new instance), and a wrong admin secret
// deployed again and again on new hosts fails each time naming the secret, with one login tried and
// nobody locked out. Nothing orphaned or stuck either way.
import { existingPlan, runExistingLifecycle } from './existing';
import { useFaultWorld } from './served';

const world = useFaultWorld();
const clean = (r: { orphans: string[]; stuck: boolean; unnamedFailures: string[]; lockedUsers: string[] }) =>
  ({ orphans: r.orphans, stuck: r.stuck, unnamed: r.unnamedFailures, locked: r.lockedUsers });

test('host replaced (seed 3): the activation ran on the first host, kmsuser on its replacement; nothing left, nobody locked', async () => {
  expect(existingPlan(3).kind).toBe('host-replaced');
  const r = await runExistingLifecycle(3, world.sim, world.url);
  expect(clean(r)).toEqual({ orphans: [], stuck: false, unnamed: [], locked: [] });
  const byKind = (kind: string) => world.sim.runCommand.all().filter((c) => c.comment.startsWith(`cdk-cloudhsm ${kind} `));
  const activated = byKind('activate').filter((c) => c.invocations[0].status === 'Success');
  const kmsuser = byKind('kmsuser').filter((c) => c.invocations[0].status === 'Success');
  expect(activated).toHaveLength(1);
  expect(kmsuser).toHaveLength(1);
  expect(kmsuser[0].instanceIds).not.toEqual(activated[0].instanceIds);
  expect(world.sim.listResources().filter((x) => x.type === 'instance').map((x) => x.state)).toEqual(['terminated', 'terminated']);
}, 300_000);

test('wrong admin secret (seed 13): every wrong deployment fails naming the secret, then the right one deploys; admin tried once, not locked', async () => {
  const plan = existingPlan(13);
  expect(plan).toMatchObject({ kind: 'wrong-secret' });
  const r = await runExistingLifecycle(13, world.sim, world.url);
  expect(clean(r)).toEqual({ orphans: [], stuck: false, unnamed: [], locked: [] });
  expect(r.failures).toBeGreaterThanOrEqual(plan.wrongDeployments);
  const [cluster] = world.sim.listResources().filter((x) => x.type === 'cluster');
  expect(world.sim.hsmUsers.find('us-east-1', cluster.id, 'admin')).toMatchObject({ locked: false, failedLogins: 0 });
  const adminLogins = world.sim.runCommand.all().filter((c) => c.invocations[0].stderr.includes('does not log in'));
  expect(adminLogins).toHaveLength(1);
}, 300_000);
