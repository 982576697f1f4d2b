// npm run demo [-- --retain]: see demo.ts. Exits 1 when the demo failed or left something behind.
import { runDemo } from './demo';

runDemo({ retain: process.argv.includes('--retain') }).then(
  (result) => process.exit(result.ok ? 0 : 1),
  (e: Error) => {
    console.error(`demo crashed: ${e.stack ?? e.message}`);
    process.exit(1);
  },
);
