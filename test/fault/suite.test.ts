// The CI slice of the fault-injection suite (npm run fault-suite runs 500 lifecycles).
import { useFaultWorld } from './served';
import { FAULTS, figures, LifecycleResult, runLifecycle } from './suite';

const world = useFaultWorld();

test('a seeded slice of randomized lifecycles leaves nothing orphaned or stuck, and names every failure', async () => {
  const results: LifecycleResult[] = [];
  for (let seed = 1; seed <= 16; seed++) results.push(await runLifecycle(seed, world.sim, world.url));
  const f = figures(results);
  console.log(`fault-suite slice: ${JSON.stringify(f)}`);
  expect(f.badSeeds).toEqual([]);
  expect(f.orphans).toBe(0);
  expect(f.stuck).toBe(0);
  // The slice does inject faults and does see failed deployments (it is not a run of happy paths).
  expect(Object.values(f.byFault).reduce((a, b) => a + b, 0)).toBeGreaterThan(10);
  expect(f.failedDeployments).toBeGreaterThan(0);
}, 600_000);

test('the same seed replays the same lifecycle', async () => {
  const a = await runLifecycle(7, world.sim, world.url);
  const b = await runLifecycle(7, world.sim, world.url);
  expect(b).toEqual(a);
  expect(FAULTS).toEqual(expect.arrayContaining(['serviceReplacement', 'degradedOnCreate']));
}, 120_000);
