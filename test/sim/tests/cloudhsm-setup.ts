// The set-up the CloudHSM v2 tests of the simulator share: one server per test file (its hooks
// register in the file that imports this module), a clean simulator per test, one-attempt clients,
// and the clusters the tests start from. Expected values come from the API reference (patterns,
// limits, error types), the simulator's documented rules (test/sim/README.md: derived subnets,
// timings) and the service behaviour the design lists; not from the simulator's output.

import {
  CloudHSMV2Client,
  CreateClusterCommand,
  CreateClusterCommandInput,
  CreateHsmCommand,
  DescribeClustersCommand,
  InitializeClusterCommand,
} from '@aws-sdk/client-cloudhsm-v2';
import { CloudHsmSimulator, startSimulatorServer, SimulatorServer } from '..';

export const MIN = 60_000;
export const DAY = 24 * 60 * MIN;
export const REGION = 'us-east-1';
// derived subnets (README): AZ letter = hex value mod 3, CIDR 10.0.(value mod 256).0/24
export const S0 = 'subnet-00000000'; // us-east-1a, 10.0.0.0/24
export const S1 = 'subnet-00000001'; // us-east-1b, 10.0.1.0/24
export const S2 = 'subnet-00000002'; // us-east-1c, 10.0.2.0/24
export const S3 = 'subnet-00000003'; // us-east-1a again
export const CERT = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUSimulatorTestCertificate0123456789=\n-----END CERTIFICATE-----\n';
export const ANCHOR = '-----BEGIN CERTIFICATE-----\nMIIBrootCAcertificateForTheSimulatorTests+/9876543210==\n-----END CERTIFICATE-----\n';
export const ID = {
  cluster: /^cluster-[2-7a-zA-Z]{11,16}$/,
  hsm: /^hsm-[2-7a-zA-Z]{11,16}$/,
  backup: /^backup-[2-7a-zA-Z]{11,16}$/,
  eni: /^eni-[0-9a-fA-F]{8,17}$/,
  sg: /^sg-[0-9a-fA-F]{8,17}$/,
};

export let server: SimulatorServer;
export let sim: CloudHsmSimulator;
export const clients = new Map<string, CloudHSMV2Client>();

/**
 * A client that makes exactly one attempt. SDK 3.332's StandardRetryStrategy makes
 * maxAttempts + 1 attempts (off by one, fixed later in aws/aws-sdk-js-v3 PR #4891), so
 * maxAttempts: 1 would still retry once; 0 means one attempt in 3.332 and after the fix.
 */
export function client(region = REGION, maxAttempts = 0): CloudHSMV2Client {
  const key = `${region}/${maxAttempts}`;
  let c = clients.get(key);
  if (!c) {
    c = new CloudHSMV2Client({
      region,
      endpoint: server.url,
      credentials: { accessKeyId: 'AKIDSIMULATOR', secretAccessKey: 'secret' },
      maxAttempts,
    });
    clients.set(key, c);
  }
  return c;
}

beforeAll(async () => {
  server = await startSimulatorServer(new CloudHsmSimulator({ seed: 42 }));
  sim = server.sim;
});

afterAll(async () => {
  for (const c of clients.values()) c.destroy();
  await server.close();
});

beforeEach(() => sim.reset());

export interface ApiError extends Error {
  $fault?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

export async function expectError(p: Promise<unknown>, name: string, message: string | RegExp): Promise<ApiError> {
  let error: ApiError | undefined;
  try {
    await p;
  } catch (e) {
    error = e as ApiError;
  }
  expect(error).toBeDefined();
  expect(error!.name).toBe(name);
  if (typeof message === 'string') expect(error!.message).toContain(message);
  else expect(error!.message).toMatch(message);
  return error!;
}

/** A raw awsJson1_1 call, to see the wire format and fields SDK 3.332 does not model. */
export async function raw(op: string, body: unknown, region = REGION, headers: Record<string, string> = {}):
Promise<{ status: number; errorType: string | null; json: any }> {
  const res = await fetch(`${server.url}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `BaldrApiService.${op}`,
      'authorization': `AWS4-HMAC-SHA256 Credential=AKID/20260101/${region}/cloudhsm/aws4_request, SignedHeaders=host, Signature=00`,
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, errorType: res.headers.get('x-amzn-errortype'), json: await res.json() };
}

export async function control(command: string, body: unknown = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.url}/_sim/${command}`, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

export async function createCluster(region = REGION, input: Partial<CreateClusterCommandInput> = {}): Promise<string> {
  const out = await client(region).send(new CreateClusterCommand({
    HsmType: 'hsm2m.medium', SubnetIds: [S0, S1], ...input,
  }));
  return out.Cluster!.ClusterId!;
}

export async function describeOne(id: string, region = REGION) {
  const out = await client(region).send(new DescribeClustersCommand({ Filters: { clusterIds: [id] } }));
  expect(out.Clusters).toHaveLength(1);
  return out.Clusters![0];
}

/** UNINITIALIZED with one ACTIVE HSM (so a CSR) in AZ a. */
export async function clusterWithCsr(region = REGION): Promise<{ id: string; hsmId: string }> {
  const id = await createCluster(region);
  sim.advance(5 * MIN);
  const hsm = await client(region).send(new CreateHsmCommand({ ClusterId: id, AvailabilityZone: `${region}a` }));
  sim.advance(12 * MIN);
  return { id, hsmId: hsm.Hsm!.HsmId! };
}

export async function initializedCluster(region = REGION): Promise<{ id: string; hsmId: string }> {
  const ids = await clusterWithCsr(region);
  await client(region).send(new InitializeClusterCommand({ ClusterId: ids.id, SignedCert: CERT, TrustAnchor: ANCHOR }));
  sim.advance(2 * MIN);
  return ids;
}

export async function activeCluster(region = REGION): Promise<{ id: string; hsmId: string }> {
  const ids = await initializedCluster(region);
  sim.activateCluster(region, ids.id);
  return ids;
}
