// Fault kinds of the HSMs' own lifecycle, for the randomized lifecycles of suite.ts:
// - serviceReplacement: the service replaces an HSM (new HSM id on the same ENI; ../sim/hsm-replacement.ts),
//   while a deployment runs (an HSM being created or ACTIVE, at a seeded isComplete poll) and between
//   the deployments of a lifecycle (so that the update and the destroy meet a replaced HSM);
// - degradedOnCreate: the next one or two HSMs created fail into DEGRADED (one is healed by a retry; two
//   on one resource fail its create with the StateMessage, and the rollback must leave nothing).

import { HarnessFaults } from '../harness/faults';
import { CloudHsmSimulator } from '../sim';

export const HSM_FAULTS = ['serviceReplacement', 'degradedOnCreate'] as const;
export type HsmFault = typeof HSM_FAULTS[number];

/** The HSMs the service may replace now: ACTIVE or still being created, in `region`. */
function replaceable(sim: CloudHsmSimulator, region: string): string[] {
  return sim.listResources().filter((r) => r.region === region && r.type === 'hsm' && (r.state === 'ACTIVE' || r.state === 'CREATE_IN_PROGRESS'))
    .map((r) => r.id);
}

/** A seeded replacement of one of the HSMs there; false when there is none. */
export function replaceOne(sim: CloudHsmSimulator, region: string, draw: () => number): boolean {
  const ids = replaceable(sim, region);
  if (ids.length === 0) return false;
  const id = ids[Math.floor(draw() * ids.length)];
  // Sometimes at once, sometimes after the failed HSM was DEGRADED for up to ten minutes.
  sim.replaceHsm(region, id, { failedMs: draw() < 0.3 ? 0 : Math.floor(draw() * 10 * 60_000) });
  return true;
}

/**
 * Injects the HSM faults chosen for a lifecycle: DEGRADED-on-create at once, and a hook that
 * replaces an HSM at a seeded poll, composed with the lifecycle's other hooks.
 */
export function withHsmFaults(base: HarnessFaults, sim: CloudHsmSimulator, region: string, draw: () => number,
  faults: readonly string[]): HarnessFaults {
  if (faults.includes('degradedOnCreate')) sim.failHsmCreates(region, draw() < 0.7 ? 1 : 2, 'Injected: HSM failed during creation.');
  if (!faults.includes('serviceReplacement')) return base;
  let replaced = false;
  const at = 2 + Math.floor(draw() * 6);
  const seen = { polls: 0 };
  return {
    ...base,
    beforeInvoke: async (info) => {
      await base.beforeInvoke?.(info);
      if (replaced || info.fn !== 'isComplete') return;
      if (++seen.polls < at) return;
      replaced = replaceOne(sim, region, draw);
    },
  };
}

/** Between two deployments of a lifecycle: the service replaces an HSM, and the replacement is ACTIVE or not yet. */
export function betweenDeployments(sim: CloudHsmSimulator, region: string, draw: () => number, faults: readonly string[]): void {
  if (!faults.includes('serviceReplacement')) return;
  if (replaceOne(sim, region, draw) && draw() < 0.5) sim.advance(30 * 60_000);
}
