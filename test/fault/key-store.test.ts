// Key-store lifecycles of the fault suite whose faults must show: a connection that FAILs once fails
// the first deployment with a message naming the key store and the ConnectionErrorCode, and the
// deployment run again connects; a lost CreateCustomKeyStore response and duplicated deliveries
// leave one store and one key. Nothing orphaned or stuck either way.
import { keyStorePlan, runKeyStoreLifecycle } from './key-store';
import { useFaultWorld } from './served';

const world = useFaultWorld();

test('a connection that FAILs once (seed 145): the first deployment fails naming HsmKeyStore and NETWORK_ERRORS, the second connects; destroy leaves no orphan', async () => {
  expect(keyStorePlan(145)).toMatchObject({ story: 'create-redeploy-destroy', faults: ['connectionFailsOnce'] });
  const r = await runKeyStoreLifecycle(145, world.sim, world.url);
  expect(r.outcomes[0]).toMatch(/^create ROLLBACK_COMPLETE: .*HsmKeyStore .*NETWORK_ERRORS/);
  expect(r.outcomes.slice(1)).toEqual(['create CREATE_COMPLETE', 'destroy DELETE_COMPLETE']);
  expect({ orphans: r.orphans, stuck: r.stuck, unnamed: r.unnamedFailures }).toEqual({ orphans: [], stuck: false, unnamed: [] });
}, 300_000);

test('lost CreateCustomKeyStore response, throttled KMS, the key delivered twice at once (seed 5): one store, one key, no orphan', async () => {
  expect(keyStorePlan(5).faults).toEqual(['kmsThrottle', 'lostCreateCustomKeyStore', 'duplicateDelivery', 'duplicateConcurrently']);
  const r = await runKeyStoreLifecycle(5, world.sim, world.url);
  expect(r.outcomes).toEqual(['create CREATE_COMPLETE', 'update UPDATE_COMPLETE', 'destroy DELETE_COMPLETE']);
  expect(world.sim.calls.list().filter((c) => c.operation === 'CreateCustomKeyStore' && c.outcome === 'dropped')).toHaveLength(1);
  // RETAIN: the store and one Enabled key are kept; a second key made by the duplicate is pending deletion
  const kept = world.sim.listResources().filter((x) => x.type === 'key-store' || (x.type === 'kms-key' && x.state !== 'PendingDeletion'));
  expect(kept.map((x) => x.type).sort()).toEqual(['key-store', 'kms-key']);
  expect({ orphans: r.orphans, stuck: r.stuck, unnamed: r.unnamedFailures }).toEqual({ orphans: [], stuck: false, unnamed: [] });
}, 300_000);
