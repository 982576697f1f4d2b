// The CloudHSM v2 simulator's the awsJson1_1 protocol and the HTTP control endpoints (server.ts), through the real SDK client over HTTP.

import {
  CreateClusterCommand,
  CreateClusterCommandInput,
  ListTagsCommand,
} from '@aws-sdk/client-cloudhsm-v2';
import { DEFAULT_START_MS } from '..';
import {
  MIN,
  REGION,
  S0,
  server,
  sim,
  client,
  expectError,
  raw,
  control,
  createCluster,
} from './cloudhsm-setup';

describe('protocol', () => {
  test('errors carry x-amzn-errortype and __type; the SDK surfaces the error name', async () => {
    const wire = await raw('CreateCluster', { HsmType: 'hsm1.medium', SubnetIds: ['subnet-xyz'] });
    expect(wire.status).toBe(400);
    expect(wire.errorType).toBe('CloudHsmInvalidRequestException');
    expect(wire.json.__type).toBe('CloudHsmInvalidRequestException');
    expect(wire.json.Message).toContain("Value 'subnet-xyz' at 'subnetIds.1.member' failed to satisfy constraint");

    const err = await expectError(
      client().send(new CreateClusterCommand({ HsmType: 'hsm1.medium', SubnetIds: ['subnet-xyz'] })),
      'CloudHsmInvalidRequestException', 'Member must satisfy regular expression pattern: subnet-[0-9a-fA-F]{8,17}');
    expect(err.$fault).toBe('client');
    expect(err.$metadata?.httpStatusCode).toBe(400);
  });

  test('unknown operation, bad target and malformed JSON', async () => {
    const unknown = await raw('LaunchRocket', {});
    expect([unknown.status, unknown.errorType]).toEqual([400, 'UnknownOperationException']);
    const badJson = await raw('DescribeClusters', '{"Filters":');
    expect([badJson.status, badJson.errorType]).toEqual([400, 'SerializationException']);
    const wrongType = await raw('DescribeClusters', { MaxResults: 'ten' });
    expect(wrongType.errorType).toBe('SerializationException');
    const res = await fetch(`${server.url}/`, { method: 'POST', headers: { 'x-amz-target': 'DynamoDB_20120810.ListTables' }, body: '{}' });
    expect(res.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
  });

  test('the region comes from the SigV4 credential scope', async () => {
    const created = await raw('CreateCluster', { HsmType: 'hsm1.medium', SubnetIds: ['subnet-0abc0001'] }, 'ap-southeast-2');
    expect(created.status).toBe(200);
    // derived AZ: 0xabc0001 mod 3 = 1 -> letter b of the request's region
    expect(created.json.Cluster.SubnetMapping).toEqual({ 'ap-southeast-2b': 'subnet-0abc0001' });
    expect(sim.listResources()).toEqual([
      { region: 'ap-southeast-2', type: 'cluster', id: created.json.Cluster.ClusterId, state: 'CREATE_IN_PROGRESS' },
    ]);
  });

  test('newer fields: Mode and NetworkType accepted and echoed, defaults FIPS and IPV4', async () => {
    const plain = await raw('CreateCluster', { HsmType: 'hsm1.medium', SubnetIds: [S0] });
    expect(plain.json.Cluster.Mode).toBe('FIPS');
    expect(plain.json.Cluster.NetworkType).toBe('IPV4');
    expect(plain.json.Cluster.HsmTypeRollbackExpiration).toBeUndefined();
    const custom = await raw('CreateCluster', { HsmType: 'hsm2m.medium', SubnetIds: [S0], Mode: 'NON_FIPS', NetworkType: 'DUALSTACK' });
    expect(custom.json.Cluster.Mode).toBe('NON_FIPS');
    expect(custom.json.Cluster.NetworkType).toBe('DUALSTACK');
    // through the SDK too (3.332 does not model them, but sends them)
    const input = { HsmType: 'hsm2m.medium', SubnetIds: [S0], Mode: 'FIPS_ONLY' } as CreateClusterCommandInput;
    await expectError(client().send(new CreateClusterCommand(input)), 'CloudHsmInvalidRequestException',
      "Value 'FIPS_ONLY' at 'mode' failed to satisfy constraint: Member must satisfy enum value set: [FIPS, NON_FIPS]");
    const net = { HsmType: 'hsm2m.medium', SubnetIds: [S0], NetworkType: 'IPV6' } as CreateClusterCommandInput;
    await expectError(client().send(new CreateClusterCommand(net)), 'CloudHsmInvalidRequestException', "Value 'IPV6' at 'networkType'");
  });
});

describe('HTTP control endpoints', () => {
  test('advance, resources, faults, calls, register-subnet, reset', async () => {
    const id = await createCluster();
    expect((await control('advance', { ms: 5 * MIN })).json).toEqual({ fired: 1, nowMs: DEFAULT_START_MS + 5 * MIN });
    expect((await control('resources')).json.resources).toEqual([{ region: REGION, type: 'cluster', id, state: 'UNINITIALIZED' }]);
    expect((await control('register-subnet', { region: REGION, subnetId: 'subnet-0fff0fff', az: 'us-east-1c', vpcId: 'vpc-0a1b2c3d', cidr: '10.1.0.0/24' })).status).toBe(200);
    expect(sim.subnetInfo(REGION, 'subnet-0fff0fff')).toEqual({ subnetId: 'subnet-0fff0fff', az: 'us-east-1c', vpcId: 'vpc-0a1b2c3d', cidr: '10.1.0.0/24' });
    const fault = await control('add-fault', { kind: 'internalError', operation: 'ListTags', nextCalls: 1 });
    expect(fault.json.id).toBeGreaterThan(0);
    await expectError(client().send(new ListTagsCommand({ ResourceId: id })), 'CloudHsmInternalFailureException', 'internal failure');
    expect((await control('calls')).json.counts).toEqual({ CreateCluster: 1, ListTags: 1 });
    expect((await control('degrade-cluster', { clusterId: id, message: 'broken' })).json.State).toBe('DEGRADED');
    expect((await control('activate-cluster', { clusterId: id })).json.error).toMatch(/not INITIALIZED/);
    expect((await control('nope')).status).toBe(404);
    expect((await control('advance', {})).status).toBe(400);
    await control('reset');
    expect(sim.listResources()).toEqual([]);
    expect(sim.clock.now()).toBe(DEFAULT_START_MS);
  });
});
