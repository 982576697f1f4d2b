// Simulator states the tests start from, and the jest set-up of a test file that talks to the
// simulator over HTTP (one server per file, a clean simulator per test, a host sandbox per test).

import { CloudHsmSimulator, PrivateCaFake, SimulatorServer, startSimulatorServer } from '.';
import { HostSandbox } from './host/sandbox';

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

/** The simulator and the Private CA fake on its clock, served over HTTP for one test file. */
export interface ServedSimulator {
  readonly sim: CloudHsmSimulator;
  readonly pca: PrivateCaFake;
  /** The server's endpoint; there once the file's `beforeAll` has run. */
  readonly url: string;
}

/**
 * Registers the hooks of the enclosing file or describe block: the server starts once before its
 * tests and closes after them; the simulator and the CA fake are reset before each test.
 */
export function useServedSimulator(seed: number): ServedSimulator {
  const sim = new CloudHsmSimulator({ seed });
  const pca = new PrivateCaFake({ clock: sim.clock });
  let server: SimulatorServer | undefined;
  beforeAll(async () => {
    server = await startSimulatorServer(sim, 0, pca);
  });
  afterAll(() => server?.close());
  beforeEach(() => {
    sim.reset();
    pca.reset();
  });
  return {
    sim,
    pca,
    get url(): string {
      if (!server) throw new Error('the simulator server starts in beforeAll: read its url inside a hook or test');
      return server.url;
    },
  };
}

/**
 * Registers the hooks of a host sandbox for each test (disposed after it), whose stand-ins talk to
 * the served simulator; Run Command and user data of simulated instances run in it.
 */
export function useHostSandbox(served: ServedSimulator, region: string): { readonly sandbox: HostSandbox } {
  let current: HostSandbox | undefined;
  beforeEach(() => {
    current = new HostSandbox({ endpoint: served.url, region });
    served.sim.setCommandRunner(current.runner);
  });
  afterEach(() => current?.dispose());
  return {
    get sandbox(): HostSandbox {
      if (!current) throw new Error('the host sandbox is made in beforeEach: use it inside a test');
      return current;
    },
  };
}

export const KMSUSER_PASSWORD = 'Kms-User-Pass-1';

/**
 * A CONNECTED CloudHSM key store: an ACTIVE cluster with ACTIVE HSMs in two AZs and the crypto user
 * kmsuser, made through the simulator's own operations (no host). Returns the store's id.
 */
export function connectedKeyStore(sim: CloudHsmSimulator, region: string): { keyStoreId: string; clusterId: string } {
  sim.registerSubnet(region, 'subnet-0b000000', { az: `${region}b`, vpcId: 'vpc-0a0a0a0a', cidr: '10.0.2.0/24' });
  sim.registerSubnet(region, 'subnet-0a000000', { az: `${region}a`, vpcId: 'vpc-0a0a0a0a', cidr: '10.0.1.0/24' });
  const c = sim.handle(region, 'CreateCluster', { HsmType: 'hsm2m.medium', SubnetIds: ['subnet-0a000000', 'subnet-0b000000'] }) as { Cluster: { ClusterId: string } };
  const clusterId = c.Cluster.ClusterId;
  sim.advance(sim.timings.clusterCreateMs);
  sim.handle(region, 'CreateHsm', { ClusterId: clusterId, AvailabilityZone: `${region}a` });
  sim.advance(sim.timings.hsmCreateMs);
  sim.handle(region, 'InitializeCluster', { ClusterId: clusterId, SignedCert: PEM, TrustAnchor: PEM });
  sim.advance(sim.timings.initializeMs);
  sim.activateCluster(region, clusterId);
  sim.handle(region, 'CreateHsm', { ClusterId: clusterId, AvailabilityZone: `${region}b` });
  sim.advance(sim.timings.hsmCreateMs);
  sim.hsmUsers.add(region, clusterId, { username: 'kmsuser', role: 'crypto-user', password: KMSUSER_PASSWORD, locked: false });
  const store = sim.handle(region, 'CreateCustomKeyStore', {
    CustomKeyStoreName: `store-${clusterId}`,
    CloudHsmClusterId: clusterId,
    TrustAnchorCertificate: PEM,
    KeyStorePassword: KMSUSER_PASSWORD,
    CustomKeyStoreType: 'AWS_CLOUDHSM',
  }, 'kms') as { CustomKeyStoreId: string };
  sim.handle(region, 'ConnectCustomKeyStore', { CustomKeyStoreId: store.CustomKeyStoreId }, 'kms');
  sim.advance(sim.timings.keyStoreConnectMs);
  return { keyStoreId: store.CustomKeyStoreId, clusterId };
}
