// npm run fault-suite [-- --count 500 --seed 1]: runs the randomized lifecycles and prints the figures.
import { figures, runLifecycle } from './suite';
import { CloudHsmSimulator, startSimulatorServer } from '../sim';

async function main(): Promise<void> {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const count = arg('count', 500);
  const first = arg('seed', 1);
  process.env.CDK_CLOUDHSM_QUIET = '1';
  const sim = new CloudHsmSimulator({ seed: first });
  const server = await startSimulatorServer(sim);
  const results = [];
  const started = Date.now();
  try {
    for (let seed = first; seed < first + count; seed++) {
      const r = await runLifecycle(seed, sim, server.url);
      results.push(r);
      const bad = r.orphans.length > 0 || r.stuck || r.unnamedFailures.length > 0 || (r.outOfStep?.length ?? 0) > 0;
      if (bad) console.log(`seed ${seed} FAILED: ${JSON.stringify(r)}`);
      if (seed % 50 === 0) console.log(`${seed - first + 1} lifecycles, ${Math.round((Date.now() - started) / 1000)} s`);
    }
  } finally {
    await server.close();
  }
  const f = figures(results);
  console.log(JSON.stringify(f, null, 2));
  if (f.badSeeds.length > 0) process.exitCode = 1;
}

void main();
