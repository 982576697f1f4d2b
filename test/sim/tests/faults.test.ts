// The CloudHSM v2 simulator's fault injection and call counts (faults.ts), through the real SDK client over HTTP.

import {
  CloudHSMV2Client,
  CreateClusterCommand,
  DescribeBackupsCommand,
  DescribeClustersCommand,
} from '@aws-sdk/client-cloudhsm-v2';
import { CloudHsmSimulator } from '..';
import {
  REGION,
  S0,
  server,
  sim,
  client,
  expectError,
  createCluster,
} from './cloudhsm-setup';

describe('faults and call counts', () => {
  test('throttling is retried by the SDK with its default maxAttempts, and the call succeeds', async () => {
    const id = await createCluster();
    sim.resetCallCounts();
    sim.injectFault({ kind: 'throttle', operation: 'DescribeClusters', nextCalls: 2 });
    const retrying = new CloudHSMV2Client({ region: REGION, endpoint: server.url, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    try {
      const out = await retrying.send(new DescribeClustersCommand({ Filters: { clusterIds: [id] } }));
      expect(out.Clusters![0].ClusterId).toBe(id);
      expect(out.$metadata.attempts).toBe(3);
    } finally {
      retrying.destroy();
    }
    expect(sim.callCounts()).toEqual({ DescribeClusters: 3 });
    expect(sim.calls.list().map((c) => c.outcome)).toEqual(['fault', 'fault', 'ok']);
    expect(sim.faults.list()[0]).toMatchObject({ seen: 3, fired: 2 });
  });

  test('a throttled call changes nothing', async () => {
    sim.injectFault({ kind: 'throttle', operation: 'CreateCluster', nextCalls: 1 });
    const err = await expectError(client().send(new CreateClusterCommand({ HsmType: 'hsm1.medium', SubnetIds: [S0] })), 'ThrottlingException', 'Rate exceeded');
    expect(err.$metadata?.httpStatusCode).toBe(400);
    expect(sim.listResources()).toEqual([]);
    await createCluster();
    expect(sim.listResources()).toHaveLength(1);
  });

  test('a 500 CloudHsmInternalFailureException on the Nth call', async () => {
    sim.injectFault({ kind: 'internalError', operation: 'DescribeClusters', nthCall: 2 });
    await client().send(new DescribeClustersCommand({}));
    const err = await expectError(client().send(new DescribeClustersCommand({})), 'CloudHsmInternalFailureException', 'internal failure');
    expect(err.$metadata?.httpStatusCode).toBe(500);
    expect(err.$fault).toBe('server');
    await client().send(new DescribeClustersCommand({}));
    expect(sim.callCounts().DescribeClusters).toBe(3);
  });

  test('dropResponse: the operation happens, the caller gets a 500', async () => {
    sim.injectFault({ kind: 'dropResponse', operation: 'CreateCluster', nthCall: 1 });
    await expectError(client().send(new CreateClusterCommand({ HsmType: 'hsm1.medium', SubnetIds: [S0] })), 'CloudHsmInternalFailureException', 'internal failure');
    const clusters = sim.listResources().filter((r) => r.type === 'cluster');
    expect(clusters).toHaveLength(1);
    expect(sim.calls.list().map((c) => c.outcome)).toEqual(['dropped']);
  });

  test('rate-based faults are reproducible from the seed', async () => {
    const outcomes = (seed: number): string[] => {
      const s = new CloudHsmSimulator({ seed });
      s.injectFault({ kind: 'throttle', rate: 0.5 });
      const out: string[] = [];
      for (let i = 0; i < 40; i++) {
        try {
          s.handle(REGION, 'DescribeClusters', {});
          out.push('ok');
        } catch (e) {
          out.push((e as Error).name);
        }
      }
      return out;
    };
    const a = outcomes(7);
    expect(outcomes(7)).toEqual(a);
    const throttled = a.filter((x) => x === 'ThrottlingException').length;
    expect(throttled).toBeGreaterThan(8);
    expect(throttled).toBeLessThan(32);
    expect(outcomes(8)).not.toEqual(a);
  });

  test('added latency delays the HTTP response in real time', async () => {
    sim.injectFault({ kind: 'latency', operation: 'DescribeClusters', latencyMs: 150, nextCalls: 1 });
    const t0 = Date.now();
    await client().send(new DescribeClustersCommand({}));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    const t1 = Date.now();
    await client().send(new DescribeClustersCommand({}));
    expect(Date.now() - t1).toBeLessThan(140);
  });

  test('call counts per operation and per region', async () => {
    await createCluster('us-east-1');
    await createCluster('eu-west-1');
    await client('eu-west-1').send(new DescribeClustersCommand({}));
    await expectError(client('eu-west-1').send(new DescribeBackupsCommand({ MaxResults: 0 })), 'CloudHsmInvalidRequestException', 'maxResults');
    expect(sim.callCounts()).toEqual({ CreateCluster: 2, DescribeClusters: 1, DescribeBackups: 1 });
    expect(sim.callCounts('eu-west-1')).toEqual({ CreateCluster: 1, DescribeClusters: 1, DescribeBackups: 1 });
    expect(sim.calls.list().map((c) => c.outcome)).toEqual(['ok', 'ok', 'ok', 'error']);
  });

  test('fault specs are checked', () => {
    expect(() => sim.injectFault({ kind: 'throttle', rate: 2 })).toThrow(/rate/);
    expect(() => sim.injectFault({ kind: 'throttle', rate: 0.5, nthCall: 1 })).toThrow(/at most one/);
    expect(() => sim.injectFault({ kind: 'latency' })).toThrow(/latencyMs/);
  });
});
