// "0 -> 2 HSMs on an emptied cluster" (test/bench/emptied.ts): the first HSM alone (the service
// restores the latest backup onto it), the second after it, within 1.02x the service's critical path
// (restore + one parallel HSM wave) at the default 10 s query interval, with service times off the
// 10-s grid (so every wait ends between two checks).
import { EMPTIED_HSMS, runEmptiedScaleUp } from './emptied';

test('0 -> 2 HSMs on an emptied cluster: first alone from the backup, then the other; at most 1.02x the critical path', async () => {
  const run = await runEmptiedScaleUp(10, { hsmCreateMs: 721_000, hsmRestoreMs: 181_000 });
  expect(run.apiCalls.CreateHsm).toBe(EMPTIED_HSMS);
  // The second CreateHsm waits for the first HSM, its restore included.
  expect(run.secondCreateAfterMs).toBeGreaterThanOrEqual(run.timings.hsmCreateMs + run.timings.hsmRestoreMs);
  expect(run.deployMs).toBeGreaterThanOrEqual(run.criticalPathMs);
  console.log(`emptied 0 -> ${EMPTIED_HSMS}: ${(run.deployMs / 60_000).toFixed(2)} min for a critical path of ${(run.criticalPathMs / 60_000).toFixed(2)} min: ratio ${run.ratio.toFixed(4)}`);
  expect(run.ratio).toBeLessThanOrEqual(1.02);
}, 300_000);
