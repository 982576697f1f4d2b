// The service resource a physical id stands for. Usually the id itself; a cdk-cloudhsm cluster
// whose create has not settled yet has a pending id that names its create request
// (lambda/cluster.ts), and stands for the oldest cluster carrying that request's tag, the one
// the handler settles on.

import { SimResourceView, SimulatorControl } from './types';
import { parsePendingClusterId } from '../../lambda/pending-cluster';
import { CREATE_REQUEST_TAG } from '../../lambda/tags';

type Described = Record<string, unknown> & { TagList?: { Key: string; Value: string }[]; CreateTimestamp?: number };

export function serviceResourceOf(sim: SimulatorControl, physicalId: string | undefined): SimResourceView | undefined {
  if (!physicalId) return undefined;
  const all = sim.listResources();
  const direct = all.find((r) => r.id === physicalId);
  if (direct) return direct;
  const pending = parsePendingClusterId(physicalId);
  const peek = sim.peekCluster?.bind(sim);
  if (!pending || !peek) return undefined;
  const ofRequest = all
    .filter((r) => r.type === 'cluster')
    .map((r) => ({ r, c: (peek(r.region, r.id) ?? {}) as Described }))
    .filter(({ c }) => (c.TagList ?? []).some((t) => t.Key === CREATE_REQUEST_TAG && t.Value === pending.requestId))
    .sort((a, b) => (a.c.CreateTimestamp ?? 0) - (b.c.CreateTimestamp ?? 0) || (a.r.id < b.r.id ? -1 : 1));
  // The oldest that is not going; once all are going (a failed create's Delete), the oldest of them.
  const going = (r: SimResourceView) => r.state === 'DELETE_IN_PROGRESS' || r.state === 'DELETED';
  return (ofRequest.find(({ r }) => !going(r)) ?? ofRequest[0])?.r;
}
