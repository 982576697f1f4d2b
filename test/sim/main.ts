// CLI: starts the simulator's HTTP server and prints its URL.
//   npx ts-node test/sim/main.ts [--port 4566] [--seed 1] [--auto-advance-ms 0]
// Point a client at it with endpoint: <url>, any credentials, any region.

import { startSimulatorServer } from './server';
import { CloudHsmSimulator } from './simulator';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isFinite(value)) throw new Error(`--${name} needs a number`);
  return value;
}

async function main(): Promise<void> {
  const sim = new CloudHsmSimulator({ seed: option('seed', 1), autoAdvanceMs: option('auto-advance-ms', 0) });
  const server = await startSimulatorServer(sim, option('port', 0));
  console.log(`CloudHSM v2 simulator listening on ${server.url}`);
  console.log(`control: POST ${server.url}/_sim/<command>  (e.g. advance {"ms": 300000}, resources, calls, reset)`);
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
