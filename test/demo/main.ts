// npm run demo [-- --retain]: see demo.ts (examples/basic: deploy, update, destroy) and activation.ts
// (examples/activation: one deployment to an ACTIVE cluster with three HSMs, destroy) and road.ts
// (the whole road in one deployment: examples/key-store with a crypto user and an application host).
// Exits 1 when a demo failed or left something behind.
import { runActivationDemo } from './activation';
import { runDemo } from './demo';
import { runRoadDemo } from './road';

async function main(): Promise<boolean> {
  const basic = await runDemo({ retain: process.argv.includes('--retain') });
  console.log('');
  const activation = await runActivationDemo();
  console.log('');
  const road = await runRoadDemo();
  return basic.ok && activation.ok && road.ok;
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (e: Error) => {
    console.error(`demo crashed: ${e.stack ?? e.message}`);
    process.exit(1);
  },
);
