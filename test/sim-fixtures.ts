// Simulator states the tests of the host side start from.

import { CloudHsmSimulator } from './sim';

export const PEM = '-----BEGIN CERTIFICATE-----\nQUJDREVGR0g=\n-----END CERTIFICATE-----\n';

/** A cluster with one ACTIVE HSM in us-east-1a, INITIALIZED unless `initialize` is false; the HSM's address. */
export function clusterWithHsm(sim: CloudHsmSimulator, region: string, initialize = true): { clusterId: string; ip: string } {
  sim.registerSubnet(region, 'subnet-0a000000', { az: `${region}a`, vpcId: 'vpc-0a0a0a0a', cidr: '10.0.1.0/24' });
  const c = sim.handle(region, 'CreateCluster', { HsmType: 'hsm2m.medium', SubnetIds: ['subnet-0a000000'] }) as { Cluster: { ClusterId: string } };
  const clusterId = c.Cluster.ClusterId;
  sim.advance(sim.timings.clusterCreateMs);
  const h = sim.handle(region, 'CreateHsm', { ClusterId: clusterId, AvailabilityZone: `${region}a` }) as { Hsm: { EniIp: string } };
  sim.advance(sim.timings.hsmCreateMs);
  if (initialize) {
    sim.handle(region, 'InitializeCluster', { ClusterId: clusterId, SignedCert: PEM, TrustAnchor: PEM });
    sim.advance(sim.timings.initializeMs);
  }
  return { clusterId, ip: h.Hsm.EniIp };
}
