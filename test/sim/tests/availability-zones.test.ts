// The early Availability Zone check (lambda/availability-zones.ts) against the simulator's EC2
// (test/sim/ec2.ts) over HTTP with the real @aws-sdk/client-ec2: the check names the zones without
// CloudHSM, passes subnets in offered zones, and lets CreateCluster decide when EC2 cannot tell.

import { DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CloudHsmSimulator, startSimulatorServer, SimulatorServer } from '..';
import { checkSubnetZones, cloudHsmServiceName, unsupportedZonesMessage } from '../../../lambda/availability-zones';
import { resetEc2Client } from '../../../lambda/aws';
import { setCloudHsmZones } from '../ec2';

const REGION = 'us-east-1';
let server: SimulatorServer;
let sim: CloudHsmSimulator;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  server = await startSimulatorServer(new CloudHsmSimulator({ seed: 5 }));
  sim = server.sim;
  for (const k of ['AWS_ENDPOINT_URL_EC2', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) saved[k] = process.env[k];
  Object.assign(process.env, { AWS_ENDPOINT_URL_EC2: server.url, AWS_REGION: REGION, AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'test' });
  resetEc2Client();
});
afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  resetEc2Client();
  await server.close();
});
beforeEach(() => sim.reset());

test('subnets in zones where CloudHSM is offered pass', async () => {
  // derived subnets: ...0 -> a, ...1 -> b (test/sim/network.ts)
  const check = await checkSubnetZones(REGION, ['subnet-00000000', 'subnet-00000001']);
  expect(check.unsupported).toEqual([]);
  expect(check.skipped).toBeUndefined();
  expect([...check.offered].sort()).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
});

test('a subnet in a zone without CloudHSM is named with its zone', async () => {
  sim.registerSubnet(REGION, 'subnet-0e0e0e0e', { az: 'us-east-1e', vpcId: 'vpc-0a1b2c3d', cidr: '10.0.200.0/24' });
  setCloudHsmZones(sim, REGION, ['us-east-1a', 'us-east-1b', 'us-east-1c']);
  const check = await checkSubnetZones(REGION, ['subnet-00000000', 'subnet-0e0e0e0e']);
  expect(check.unsupported).toEqual([{ subnetId: 'subnet-0e0e0e0e', zone: 'us-east-1e' }]);
  const message = unsupportedZonesMessage(check);
  expect(message).toContain('Availability Zone us-east-1e');
  expect(message).toContain('subnet-0e0e0e0e (us-east-1e)');
  expect(message).toContain('us-east-1a, us-east-1b, us-east-1c');
  expect(message).not.toContain('subnet-00000000');
});

test('a region without the CloudHSM endpoint service: the check cannot tell and does not fail', async () => {
  setCloudHsmZones(sim, REGION, null);
  const check = await checkSubnetZones(REGION, ['subnet-00000000']);
  expect(check.unsupported).toEqual([]);
  expect(check.skipped).toMatch(/InvalidServiceName|does not exist/);
});

test('the simulator answers in the query protocol the real client parses, and refuses malformed ids', async () => {
  const client = new EC2Client({ region: REGION, endpoint: server.url, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' }, maxAttempts: 1 });
  const out = await client.send(new DescribeSubnetsCommand({ SubnetIds: ['subnet-00000002'] }));
  expect(out.Subnets?.[0]).toMatchObject({ SubnetId: 'subnet-00000002', AvailabilityZone: 'us-east-1c', VpcId: 'vpc-0a1b2c3d' });
  await expect(client.send(new DescribeSubnetsCommand({ SubnetIds: ['subnet-xyz'] }))).rejects.toMatchObject({ name: 'InvalidSubnetID.Malformed' });
  client.destroy();
  expect(cloudHsmServiceName('eu-west-1')).toBe('com.amazonaws.eu-west-1.cloudhsmv2');
});
