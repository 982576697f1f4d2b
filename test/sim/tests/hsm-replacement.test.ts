// The service's own HSM events in the simulator (../hsm-replacement.ts): an HSM replaced with a new
// id on the same ENI, and HSMs that fail into DEGRADED on create; the CSR-fit check of
// InitializeCluster (../csr.ts).
import { CloudHsmSimulator } from '..';
import { certificateFor } from '../csr';
import { PEM } from '../fixtures';

const REGION = 'us-east-1';
let sim: CloudHsmSimulator;
beforeEach(() => {
  sim = new CloudHsmSimulator({ seed: 3 });
});

function clusterWith(hsms: number, activate: boolean): string {
  const clusterId = (sim.handle(REGION, 'CreateCluster', { HsmType: 'hsm2m.medium', SubnetIds: ['subnet-00000000', 'subnet-00000001'] }) as any).Cluster.ClusterId;
  sim.advance(sim.timings.clusterCreateMs);
  const createHsms = (from: number, to: number) => {
    for (let i = from; i < to; i++) sim.handle(REGION, 'CreateHsm', { ClusterId: clusterId, AvailabilityZone: i % 2 ? 'us-east-1b' : 'us-east-1a' });
    sim.advance(sim.timings.hsmCreateMs);
  };
  createHsms(0, Math.min(hsms, 1));
  // Activated on its first HSM, as a real cluster is; its activation's backup is then READY, so even a
  // cluster activated with no HSM left can take new ones (an emptied ACTIVE cluster: ../ops/hsms.ts).
  if (activate) {
    sim.forceClusterState(REGION, clusterId, 'INITIALIZED');
    sim.activateCluster(REGION, clusterId);
    sim.advance(60 * 60_000);
  }
  createHsms(1, hsms);
  return clusterId;
}
const describe1 = (clusterId: string): any => (sim.handle(REGION, 'DescribeClusters', { Filters: { clusterIds: [clusterId] } }) as any).Clusters[0];

test('a replaced HSM: DEGRADED, then a new HSM id on the same ENI, address and AZ, CREATE_IN_PROGRESS, then ACTIVE', () => {
  const clusterId = clusterWith(2, true);
  const [a, b] = describe1(clusterId).Hsms;
  const r = sim.replaceHsm(REGION, a.HsmId, { failedMs: 60_000 });
  expect(r).toEqual({ clusterId, oldHsmId: a.HsmId, newHsmId: expect.stringMatching(/^hsm-[a-z2-7]{11}$/), eniId: a.EniId, eniIp: a.EniIp });
  expect(describe1(clusterId).Hsms.map((h: any) => [h.HsmId, h.State])).toEqual([[a.HsmId, 'DEGRADED'], [b.HsmId, 'ACTIVE']]);
  sim.advance(60_000);
  const swapped = describe1(clusterId).Hsms[0];
  expect(swapped).toMatchObject({
    HsmId: r.newHsmId, EniId: a.EniId, EniIp: a.EniIp, AvailabilityZone: a.AvailabilityZone, SubnetId: a.SubnetId, State: 'CREATE_IN_PROGRESS',
  });
  expect(describe1(clusterId).Hsms).toHaveLength(2);
  sim.advance(sim.timings.hsmCreateMs);
  expect(describe1(clusterId).Hsms.map((h: any) => h.State)).toEqual(['ACTIVE', 'ACTIVE']);
});

test('a failed HSM deleted before its replacement appears is not replaced', () => {
  const clusterId = clusterWith(1, true);
  const [a] = describe1(clusterId).Hsms;
  sim.replaceHsm(REGION, a.HsmId, { failedMs: 5 * 60_000 });
  sim.handle(REGION, 'DeleteHsm', { ClusterId: clusterId, HsmId: a.HsmId });
  sim.advance(60 * 60_000);
  expect(describe1(clusterId).Hsms).toEqual([]);
});

test('the first HSM replaced before initialization: no CSR until the replacement is ACTIVE, then a new one; a certificate for the old CSR is refused', () => {
  const clusterId = clusterWith(1, false);
  const before = describe1(clusterId);
  const oldCsr = before.Certificates.ClusterCsr;
  expect(oldCsr).toContain('BEGIN CERTIFICATE REQUEST');
  sim.replaceHsm(REGION, before.Hsms[0].HsmId, { failedMs: 0 });
  expect(describe1(clusterId).Certificates?.ClusterCsr).toBeUndefined();
  sim.advance(sim.timings.hsmCreateMs);
  const newCsr = describe1(clusterId).Certificates.ClusterCsr;
  expect(newCsr).toContain('BEGIN CERTIFICATE REQUEST');
  expect(newCsr).not.toBe(oldCsr);
  expect(() => sim.handle(REGION, 'InitializeCluster', { ClusterId: clusterId, SignedCert: certificateFor(oldCsr), TrustAnchor: PEM }))
    .toThrow(`SignedCert was not issued for the current certificate signing request of cluster '${clusterId}'`);
  sim.handle(REGION, 'InitializeCluster', { ClusterId: clusterId, SignedCert: certificateFor(newCsr), TrustAnchor: PEM });
  expect(describe1(clusterId).State).toBe('INITIALIZE_IN_PROGRESS');
});

test('a certificate that names no CSR is accepted as before (the simulator verifies no signature)', () => {
  const clusterId = clusterWith(1, false);
  sim.handle(REGION, 'InitializeCluster', { ClusterId: clusterId, SignedCert: PEM, TrustAnchor: PEM });
  expect(describe1(clusterId).State).toBe('INITIALIZE_IN_PROGRESS');
});

test('DEGRADED on create: the next HSMs, as many as asked, end their creation DEGRADED with the message and stay so', () => {
  const clusterId = clusterWith(0, true);
  sim.failHsmCreates(REGION, 2, 'hardware failure');
  for (let i = 0; i < 3; i++) sim.handle(REGION, 'CreateHsm', { ClusterId: clusterId, AvailabilityZone: 'us-east-1a' });
  sim.advance(sim.timings.hsmCreateMs);
  sim.advance(60 * 60_000);
  expect(describe1(clusterId).Hsms.map((h: any) => [h.State, h.StateMessage])).toEqual([
    ['DEGRADED', 'hardware failure'], ['DEGRADED', 'hardware failure'], ['ACTIVE', 'HSM is active.'],
  ]);
  sim.reset();
  const again = clusterWith(1, true);
  expect(describe1(again).Hsms[0].State).toBe('ACTIVE');
});
