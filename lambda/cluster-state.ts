import { Cluster, DescribeClustersCommand } from '@aws-sdk/client-cloudhsm-v2';
import { cloudHsm, isNotFound } from './aws';

/**
 * What the handlers know of a cluster's state: one place for every handler that reads a cluster
 * (the cluster, HSM, initialization, activation and key store handlers), so none imports another.
 */

/** States in which the cluster accepts changes. */
export const STABLE_STATES = new Set(['UNINITIALIZED', 'INITIALIZED', 'ACTIVE']);
/** States the cluster leaves by itself; the handler waits them out. */
export const TRANSITIONAL_STATES = new Set([
  'CREATE_IN_PROGRESS', 'INITIALIZE_IN_PROGRESS', 'UPDATE_IN_PROGRESS', 'MODIFY_IN_PROGRESS',
  'ROLLBACK_IN_PROGRESS', 'DELETE_IN_PROGRESS',
]);

/** The cluster, or undefined when the service does not know it. */
export async function describeCluster(clusterId: string): Promise<Cluster | undefined> {
  try {
    const out = await cloudHsm().send(new DescribeClustersCommand({ Filters: { clusterIds: [clusterId] } }));
    return out.Clusters?.find((c) => c.ClusterId === clusterId);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
